namespace AuthServer.Protocol.Keys;

/// <summary>
/// The signing-key timeline, per algorithm: a key is published (pending) for <see cref="PublishAhead"/> before it
/// signs, signs (active) for <see cref="ActiveLifetime"/>, stays published (retired) for
/// <see cref="RetainAfterRetirement"/> so every token it signed can still be validated, and is then removed.
/// </summary>
public sealed record KeyScheduleOptions
{
    public TimeSpan PublishAhead { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan ActiveLifetime { get; init; } = TimeSpan.FromDays(90);

    /// <summary>At least the longest access token lifetime (24 h) plus clock skew.</summary>
    public TimeSpan RetainAfterRetirement { get; init; } = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(5);

    /// <summary>The longest any token signed by AuthServer lives (access tokens are capped at 24 h on import).</summary>
    public static readonly TimeSpan LongestTokenLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// The JWKS Cache-Control max-age: half the publish-ahead time, so every cache that honours it has fetched a key
    /// before anything is signed with it; at most an hour, so an emergency revoke reaches caches within the hour.
    /// </summary>
    public TimeSpan JwksMaxAge => TimeSpan.FromSeconds(Math.Floor(Math.Min(PublishAhead.TotalSeconds / 2, TimeSpan.FromHours(1).TotalSeconds)));

    /// <summary>What is wrong with the schedule, or nothing.</summary>
    public IEnumerable<string> Problems()
    {
        if (PublishAhead < TimeSpan.FromMinutes(2))
        {
            yield return "PublishAhead must be at least 00:02:00 (the JWKS max-age is half of it).";
        }

        if (ActiveLifetime <= PublishAhead)
        {
            yield return "ActiveLifetime must be longer than PublishAhead (the next key is published that long before it signs).";
        }

        if (RetainAfterRetirement < LongestTokenLifetime)
        {
            yield return $"RetainAfterRetirement must be at least {LongestTokenLifetime} (the longest token lifetime), plus clock skew.";
        }
    }
}

public enum KeyChangeKind
{
    /// <summary>Make a new key in the given state (pending, or active when there is none to promote).</summary>
    Create,
    Activate,
    Retire,
    Remove,
}

/// <summary>One step of a rotation. <see cref="Kid"/> is null for Create.</summary>
public sealed record KeyChange(KeyChangeKind Kind, string Algorithm, string? Kid, SigningKeyState CreateAs = SigningKeyState.Pending);

/// <summary>Decides, from the stored keys and the time, what the rotation must do now. Pure: the caller applies it under a lock.</summary>
public static class KeySchedule
{
    public static IReadOnlyList<KeyChange> Plan(IReadOnlyList<StoredSigningKey> keys, DateTimeOffset now, KeyScheduleOptions options)
    {
        var changes = new List<KeyChange>();
        foreach (var algorithm in SigningAlgorithms.All)
        {
            var mine = keys.Where(k => k.Algorithm == algorithm).ToList();
            var actives = mine.Where(k => k.State == SigningKeyState.Active).OrderBy(k => k.ActivatedAt ?? k.CreatedAt).ToList();
            var pending = mine.Where(k => k.State == SigningKeyState.Pending).OrderBy(k => k.CreatedAt).LastOrDefault();
            var active = actives.LastOrDefault();

            // Never two signing keys: an older active one (a race that lost, or an old database) retires.
            changes.AddRange(actives.SkipLast(1).Select(k => new KeyChange(KeyChangeKind.Retire, algorithm, k.Kid)));

            if (active is null)
            {
                // Nothing signs: the first start, or after an emergency revoke. A published key is used at once; otherwise
                // a new key must sign at once (no token exists that a cache could be missing it for).
                changes.Add(pending is not null
                    ? new KeyChange(KeyChangeKind.Activate, algorithm, pending.Kid)
                    : new KeyChange(KeyChangeKind.Create, algorithm, null, SigningKeyState.Active));
            }
            else
            {
                var age = now - (active.ActivatedAt ?? active.CreatedAt);
                if (pending is null && age >= options.ActiveLifetime - options.PublishAhead)
                {
                    changes.Add(new KeyChange(KeyChangeKind.Create, algorithm, null));
                }
                else if (pending is not null && age >= options.ActiveLifetime && now - pending.CreatedAt >= options.PublishAhead)
                {
                    changes.Add(new KeyChange(KeyChangeKind.Activate, algorithm, pending.Kid));
                    changes.Add(new KeyChange(KeyChangeKind.Retire, algorithm, active.Kid));
                }
            }

            changes.AddRange(mine
                .Where(k => k.State == SigningKeyState.Retired && now - (k.RetiredAt ?? now) >= options.RetainAfterRetirement)
                .Select(k => new KeyChange(KeyChangeKind.Remove, algorithm, k.Kid)));
        }

        return changes;
    }

    /// <summary>
    /// Emergency revoke: the key stops being published at once; if it was signing, a published pending key signs at
    /// once, or a new key does. Tokens it signed no longer validate anywhere that reloads the keys.
    /// </summary>
    public static IReadOnlyList<KeyChange> Revoke(IReadOnlyList<StoredSigningKey> keys, string kid)
    {
        var key = keys.FirstOrDefault(k => k.Kid == kid);
        if (key is null || key.State == SigningKeyState.Removed)
        {
            return [];
        }

        var changes = new List<KeyChange> { new(KeyChangeKind.Remove, key.Algorithm, key.Kid) };
        if (key.State == SigningKeyState.Active)
        {
            var pending = keys.Where(k => k.Algorithm == key.Algorithm && k.State == SigningKeyState.Pending)
                .OrderBy(k => k.CreatedAt).LastOrDefault();
            changes.Add(pending is not null
                ? new KeyChange(KeyChangeKind.Activate, key.Algorithm, pending.Kid)
                : new KeyChange(KeyChangeKind.Create, key.Algorithm, null, SigningKeyState.Active));
        }

        return changes;
    }

    /// <summary>A manual rotation: the pending key (made now if there is none) signs at once; the active key retires.</summary>
    public static IReadOnlyList<KeyChange> RotateNow(IReadOnlyList<StoredSigningKey> keys, string algorithm)
    {
        var active = keys.Where(k => k.Algorithm == algorithm && k.State == SigningKeyState.Active).ToList();
        var pending = keys.Where(k => k.Algorithm == algorithm && k.State == SigningKeyState.Pending)
            .OrderBy(k => k.CreatedAt).LastOrDefault();
        var changes = new List<KeyChange>
        {
            pending is not null
                ? new KeyChange(KeyChangeKind.Activate, algorithm, pending.Kid)
                : new KeyChange(KeyChangeKind.Create, algorithm, null, SigningKeyState.Active),
        };
        changes.AddRange(active.Select(k => new KeyChange(KeyChangeKind.Retire, algorithm, k.Kid)));
        return changes;
    }
}
