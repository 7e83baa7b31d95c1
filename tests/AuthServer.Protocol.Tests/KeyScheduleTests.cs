using AuthServer.Protocol.Keys;

namespace AuthServer.Protocol.Tests;

/// <summary>The key timeline as a pure function of the stored keys and the time, driven through whole rotations.</summary>
public sealed class KeyScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly KeyScheduleOptions Options = new()
    {
        PublishAhead = TimeSpan.FromDays(2), ActiveLifetime = TimeSpan.FromDays(10), RetainAfterRetirement = TimeSpan.FromDays(1),
    };

    /// <summary>Applies changes the way the store does, to an in-memory key list.</summary>
    private sealed class Keys
    {
        private int _next;

        public List<StoredSigningKey> All { get; } = [];

        public IReadOnlyList<KeyChange> Step(DateTimeOffset now) => Apply(KeySchedule.Plan(All, now, Options), now);

        public IReadOnlyList<KeyChange> Apply(IReadOnlyList<KeyChange> changes, DateTimeOffset now)
        {
            foreach (var c in changes)
            {
                if (c.Kind == KeyChangeKind.Create)
                {
                    All.Add(new StoredSigningKey($"k{++_next}-{c.Algorithm}", c.Algorithm, c.CreateAs, now,
                        c.CreateAs == SigningKeyState.Active ? now : null, null, "{}", []));
                    continue;
                }

                var i = All.FindIndex(k => k.Kid == c.Kid);
                All[i] = c.Kind switch
                {
                    KeyChangeKind.Activate => All[i] with { State = SigningKeyState.Active, ActivatedAt = now },
                    KeyChangeKind.Retire => All[i] with { State = SigningKeyState.Retired, RetiredAt = now },
                    _ => All[i] with { State = SigningKeyState.Removed, RetiredAt = All[i].RetiredAt ?? now },
                };
            }

            return changes;
        }

        public StoredSigningKey Active(string alg) => All.Single(k => k.Algorithm == alg && k.State == SigningKeyState.Active);
    }

    [Fact]
    public void FirstStart_MakesOneActiveKeyPerAlgorithm_AndThenNothingIsDue()
    {
        var keys = new Keys();

        var changes = keys.Step(Start);

        Assert.Equal(2, changes.Count);
        Assert.All(changes, c => Assert.Equal((KeyChangeKind.Create, SigningKeyState.Active), (c.Kind, c.CreateAs)));
        Assert.Empty(keys.Step(Start.AddHours(1)));
    }

    [Fact]
    public void ThreeRotations_EveryKeyIsPublishedAheadBeforeItSigns_AndStaysPublishedAfter()
    {
        var keys = new Keys();
        keys.Step(Start);
        var first = keys.Active(SigningAlgorithms.ES256).Kid;
        var seen = new Dictionary<string, DateTimeOffset>();
        var signers = new List<string> { first };

        // Every hour for 40 days: at most one signing key per algorithm, and the signer was published long enough ago.
        for (var now = Start; now < Start.AddDays(40); now = now.AddHours(1))
        {
            keys.Step(now);
            foreach (var k in keys.All.Where(k => k.State != SigningKeyState.Removed))
            {
                seen.TryAdd(k.Kid, now);
            }

            var active = keys.Active(SigningAlgorithms.ES256);
            if (active.Kid != signers[^1])
            {
                signers.Add(active.Kid);
                Assert.True(now - seen[active.Kid] >= Options.PublishAhead, $"{active.Kid} signed {now - seen[active.Kid]} after it was published");
            }

            Assert.Single(keys.All, k => k.Algorithm == SigningAlgorithms.RS256 && k.State == SigningKeyState.Active);
        }

        Assert.Equal(4, signers.Count);

        // A retired key stays published for the retention time, then is removed.
        var retired = keys.All.First(k => k.Kid == signers[1]);
        Assert.Equal(SigningKeyState.Removed, keys.All.First(k => k.Kid == first).State);
        Assert.True(retired.State is SigningKeyState.Retired or SigningKeyState.Removed);
    }

    [Fact]
    public void NextKey_IsPublishedAtActiveLifetimeMinusPublishAhead_AndSignsAtActiveLifetime()
    {
        var keys = new Keys();
        keys.Step(Start);

        Assert.Empty(keys.Step(Start.AddDays(8).AddMinutes(-1)));
        var published = keys.Step(Start.AddDays(8));
        Assert.Equal([KeyChangeKind.Create, KeyChangeKind.Create], published.Select(c => c.Kind));
        Assert.All(published, c => Assert.Equal(SigningKeyState.Pending, c.CreateAs));
        Assert.Empty(keys.Step(Start.AddDays(10).AddMinutes(-1)));
        var swap = keys.Step(Start.AddDays(10));
        Assert.Equal(4, swap.Count);
        Assert.Equal(2, swap.Count(c => c.Kind == KeyChangeKind.Activate));
        Assert.Equal(2, swap.Count(c => c.Kind == KeyChangeKind.Retire));
    }

    [Fact]
    public void PendingKeyPublishedTooRecently_DoesNotSignYet_EvenWhenTheActiveKeyIsOld()
    {
        var keys = new Keys();
        keys.Step(Start);

        // A node that was down: the pending key is made late, so it must still wait the full publish-ahead time.
        keys.Step(Start.AddDays(30));
        Assert.Empty(keys.Step(Start.AddDays(31)));
        Assert.Equal(4, keys.Step(Start.AddDays(32)).Count);
    }

    [Fact]
    public void Revoke_ActiveKey_RemovesItAndPromotesThePendingKeyAtOnce()
    {
        var keys = new Keys();
        keys.Step(Start);
        keys.Step(Start.AddDays(8));
        var active = keys.Active(SigningAlgorithms.RS256);
        var pending = keys.All.Single(k => k.Algorithm == SigningAlgorithms.RS256 && k.State == SigningKeyState.Pending);

        keys.Apply(KeySchedule.Revoke(keys.All, active.Kid), Start.AddDays(8));

        Assert.Equal(SigningKeyState.Removed, keys.All.Single(k => k.Kid == active.Kid).State);
        Assert.Equal(pending.Kid, keys.Active(SigningAlgorithms.RS256).Kid);
        Assert.Equal(SigningKeyState.Active, keys.Active(SigningAlgorithms.ES256).State);
    }

    [Fact]
    public void Revoke_ActiveKeyWithoutPending_CreatesASigningKeyAtOnce_AndUnknownKidChangesNothing()
    {
        var keys = new Keys();
        keys.Step(Start);
        var active = keys.Active(SigningAlgorithms.ES256);

        var changes = KeySchedule.Revoke(keys.All, active.Kid);

        Assert.Equal([KeyChangeKind.Remove, KeyChangeKind.Create], changes.Select(c => c.Kind));
        Assert.Equal(SigningKeyState.Active, changes[1].CreateAs);
        Assert.Empty(KeySchedule.Revoke(keys.All, "no-such-kid"));
    }

    [Fact]
    public void TwoActiveKeys_TheOlderRetires()
    {
        var keys = new Keys();
        keys.Step(Start);
        keys.Apply([new KeyChange(KeyChangeKind.Create, SigningAlgorithms.ES256, null, SigningKeyState.Active)], Start.AddHours(1));

        var changes = keys.Step(Start.AddHours(2));

        Assert.Equal([KeyChangeKind.Retire], changes.Select(c => c.Kind));
        Assert.Single(keys.All, k => k.Algorithm == SigningAlgorithms.ES256 && k.State == SigningKeyState.Active);
    }

    [Theory]
    [InlineData(1, 10, 24, "PublishAhead")]
    [InlineData(2880, 2880, 24, "ActiveLifetime")]
    [InlineData(2880, 129600, 23, "RetainAfterRetirement")]
    public void Options_ThatBreakTheTimeline_AreReported(int publishMinutes, int activeMinutes, int retainHours, string name)
    {
        var options = new KeyScheduleOptions
        {
            PublishAhead = TimeSpan.FromMinutes(publishMinutes),
            ActiveLifetime = TimeSpan.FromMinutes(activeMinutes),
            RetainAfterRetirement = TimeSpan.FromHours(retainHours),
        };

        Assert.Contains(options.Problems(), p => p.StartsWith(name, StringComparison.Ordinal));
        Assert.Empty(new KeyScheduleOptions().Problems());
    }

    [Fact]
    public void JwksMaxAge_IsHalfThePublishAheadTime_AtMostAnHour()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), new KeyScheduleOptions { PublishAhead = TimeSpan.FromMinutes(10) }.JwksMaxAge);
        Assert.Equal(TimeSpan.FromHours(1), new KeyScheduleOptions().JwksMaxAge);
    }
}
