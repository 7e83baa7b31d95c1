using AuthServer.Protocol.Keys;

namespace AuthServer.Admin.Keys;

/// <summary>One signing key on the timeline: its dates, and what the schedule does to it next and when.</summary>
public sealed record KeyTimelineEntry(
    string Kid,
    string Algorithm,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ActivatedAt,
    DateTimeOffset? RetiredAt,
    string? NextChange,
    DateTimeOffset? NextChangeAt);

/// <summary>The key schedule's settings, as the keys page and GET /keys show them.</summary>
public sealed record KeyScheduleView(TimeSpan PublishAhead, TimeSpan ActiveLifetime, TimeSpan RetainAfterRetirement, TimeSpan JwksMaxAge);

public sealed record KeyTimelineView(IReadOnlyList<KeyTimelineEntry> Keys, KeyScheduleView Schedule);

/// <summary>
/// When <see cref="KeySchedule.Plan"/> will next change each key (a node applies the plan at its next key refresh after
/// that time). Pure: read from the stored keys and the schedule, like the plan itself.
/// </summary>
public static class KeyTimeline
{
    public static KeyTimelineView Build(IReadOnlyList<StoredSigningKey> keys, KeyScheduleOptions schedule, DateTimeOffset now)
    {
        var entries = new List<KeyTimelineEntry>();
        foreach (var group in keys.GroupBy(k => k.Algorithm).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var active = group.Where(k => k.State == SigningKeyState.Active).MaxBy(k => k.ActivatedAt ?? k.CreatedAt);
            var pending = group.Where(k => k.State == SigningKeyState.Pending).MaxBy(k => k.CreatedAt);
            foreach (var key in group.OrderByDescending(k => k.CreatedAt))
            {
                var (change, at) = Next(key, active, pending, schedule, now);
                entries.Add(new KeyTimelineEntry(key.Kid, key.Algorithm, key.State.ToString().ToLowerInvariant(), key.CreatedAt,
                    key.ActivatedAt, key.RetiredAt, change, at));
            }
        }

        return new KeyTimelineView(entries, new KeyScheduleView(
            schedule.PublishAhead, schedule.ActiveLifetime, schedule.RetainAfterRetirement, schedule.JwksMaxAge));
    }

    private static (string? Change, DateTimeOffset? At) Next(
        StoredSigningKey key, StoredSigningKey? active, StoredSigningKey? pending, KeyScheduleOptions schedule, DateTimeOffset now)
    {
        switch (key.State)
        {
            case SigningKeyState.Pending when active is null:
                return ("signs (nothing else signs)", now);
            case SigningKeyState.Pending:
                // It takes over when the active key has signed for its lifetime and this one has been published long enough.
                return ("signs", Max(Signed(active) + schedule.ActiveLifetime, key.CreatedAt + schedule.PublishAhead));
            case SigningKeyState.Active when pending is not null && ReferenceEquals(key, active):
                return ("retires", Max(Signed(key) + schedule.ActiveLifetime, pending.CreatedAt + schedule.PublishAhead));
            case SigningKeyState.Active when ReferenceEquals(key, active):
                return ("a successor is published", Signed(key) + schedule.ActiveLifetime - schedule.PublishAhead);
            case SigningKeyState.Active:
                return ("retires (a newer key is active)", now);
            case SigningKeyState.Retired:
                return ("removed from JWKS", (key.RetiredAt ?? now) + schedule.RetainAfterRetirement);
            default:
                return (null, null);
        }
    }

    private static DateTimeOffset Signed(StoredSigningKey key) => key.ActivatedAt ?? key.CreatedAt;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
