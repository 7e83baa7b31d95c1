using AuthServer.Data.Stores;
using AuthServer.Data.Tests.Support;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Keys;
using AuthServer.Testing;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Tests;

/// <summary>
/// The key lock: several nodes deciding at once (each with its own store and connection) make one change, not one
/// each. The time is fixed; nothing here reads a clock.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SigningKeyStoreTests(PostgresCluster cluster)
{
    private const int Nodes = 8;
    private static readonly DateTimeOffset Now = FixedTimeProvider.DefaultNow;
    private static readonly KeyScheduleOptions Schedule = new();
    private static readonly MasterKeyProtector Protector = new(KeysCli.MasterKey);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ChangeAsync_EightNodesPlanOnAnEmptyDatabase_OneActiveKeyPerAlgorithm(DatabaseProvider provider)
    {
        using var test = await MigratedAsync(provider);

        var (applied, sawNoKeys) = await PlanOnEveryNodeAsync(test);

        var keys = await LoadAsync(test);
        Assert.Equal(SigningAlgorithms.All.Order(StringComparer.Ordinal), keys.Select(k => k.Algorithm).Order(StringComparer.Ordinal));
        Assert.All(keys, k => Assert.Equal(SigningKeyState.Active, k.State));
        Assert.All(keys, k => Assert.Equal(Now, k.ActivatedAt));
        Assert.Equal(1, sawNoKeys);
        Assert.Equal(SigningAlgorithms.All.Count, applied.Count);
        Assert.Equal(keys.Select(k => k.Kid).Order(StringComparer.Ordinal), (await AuditTargetsAsync(test, "key.create")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ChangeAsync_EightNodesPlanWhenARotationIsDue_OnePendingKeyPerAlgorithm(DatabaseProvider provider)
    {
        using var test = await MigratedAsync(provider);

        // The next key is published PublishAhead before the active one's ActiveLifetime ends: one day past that point.
        var activatedAt = Now - (Schedule.ActiveLifetime - Schedule.PublishAhead) - TimeSpan.FromDays(1);
        await CreateActiveKeysAsync(test, activatedAt);
        var actives = await LoadAsync(test);

        var (applied, _) = await PlanOnEveryNodeAsync(test);

        var keys = await LoadAsync(test);
        Assert.Equal(
            actives.Select(k => $"{k.Kid} {k.State} {k.ActivatedAt:O}"),
            keys.Where(k => k.State == SigningKeyState.Active).Select(k => $"{k.Kid} {k.State} {k.ActivatedAt:O}"));
        var pending = keys.Where(k => k.State == SigningKeyState.Pending).ToList();
        Assert.Equal(SigningAlgorithms.All.Order(StringComparer.Ordinal), pending.Select(k => k.Algorithm).Order(StringComparer.Ordinal));
        Assert.All(pending, k => Assert.Equal((Now, (DateTimeOffset?)null), (k.CreatedAt, k.ActivatedAt)));
        Assert.Equal(4, keys.Count);
        Assert.Equal(pending.Select(k => k.Kid).Order(StringComparer.Ordinal), applied.Select(c => c.Kid!).Order(StringComparer.Ordinal));
        Assert.Empty(KeySchedule.Plan(keys, Now, Schedule));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RewrapAsync_OneKeyFails_ChangesNoKeyAndWritesNoAuditEvent(DatabaseProvider provider)
    {
        using var test = await MigratedAsync(provider);
        await CreateActiveKeysAsync(test, Now);
        var before = await LoadAsync(test);
        var other = new MasterKeyProtector(KeysCli.OtherMasterKey);
        var seen = 0;

        await using (var handle = test.Open())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => new SigningKeyStore(handle).RewrapAsync(
                key => ++seen == before.Count
                    ? throw new InvalidOperationException("the last key cannot be opened")
                    : other.Protect(Protector.Unprotect(key.EncryptedPrivateKey, key.Kid), key.Kid),
                key => new AuditEvent(Now, "key.rewrapped", "success", Target: key.Kid),
                CancellationToken.None));
        }

        var after = await LoadAsync(test);
        Assert.Equal(before.Count, seen);
        Assert.Equal(before.Select(k => Convert.ToBase64String(k.EncryptedPrivateKey)), after.Select(k => Convert.ToBase64String(k.EncryptedPrivateKey)));
        Assert.Empty(await AuditTargetsAsync(test, "key.rewrapped"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RewrapAsync_SkipsRemovedKeys_AndAuditsEachKeptOne(DatabaseProvider provider)
    {
        using var test = await MigratedAsync(provider);
        await CreateActiveKeysAsync(test, Now);
        var revoked = (await LoadAsync(test)).First(k => k.Algorithm == SigningAlgorithms.ES256).Kid;
        await using (var handle = test.Open())
        {
            var store = new SigningKeyStore(handle);
            await store.ChangeAsync(keys => KeySchedule.Revoke(keys, revoked), Create(Now), Audit, Now, CancellationToken.None);
            var other = new MasterKeyProtector(KeysCli.OtherMasterKey);

            var rewrapped = await store.RewrapAsync(
                key => other.Protect(Protector.Unprotect(key.EncryptedPrivateKey, key.Kid), key.Kid),
                key => new AuditEvent(Now, "key.rewrapped", "success", Target: key.Kid),
                CancellationToken.None);

            Assert.DoesNotContain(rewrapped, k => k.Kid == revoked);
            Assert.Equal(2, rewrapped.Count);
        }

        var after = await LoadAsync(test);
        Assert.Empty(after.Single(k => k.Kid == revoked).EncryptedPrivateKey);
        var kept = after.Where(k => k.State != SigningKeyState.Removed).ToList();
        Assert.All(kept, k => Assert.True(KeysCli.Opens(k, KeysCli.OtherMasterKey), k.Kid));
        Assert.Equal(kept.Select(k => k.Kid).Order(StringComparer.Ordinal), (await AuditTargetsAsync(test, "key.rewrapped")).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Every node plans with the same fixed time, each through its own store and connection, all released at once.
    /// Returns the changes they applied together and how many decided on an empty key list.
    /// </summary>
    private static async Task<(IReadOnlyList<KeyChange> Applied, int SawNoKeys)> PlanOnEveryNodeAsync(TestDatabase test)
    {
        var handles = Enumerable.Range(0, Nodes).Select(_ => test.Open()).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sawNoKeys = 0;
            var decisions = 0;
            var nodes = handles.Select(handle => Task.Run(async () =>
            {
                await start.Task;
                return await new SigningKeyStore(handle).ChangeAsync(
                    keys =>
                    {
                        Interlocked.Increment(ref decisions);
                        if (keys.Count == 0)
                        {
                            Interlocked.Increment(ref sawNoKeys);
                        }

                        return KeySchedule.Plan(keys, Now, Schedule);
                    },
                    Create(Now), Audit, Now, CancellationToken.None);
            })).ToList();
            start.SetResult();
            var applied = (await Task.WhenAll(nodes)).SelectMany(a => a).ToList();
            Assert.Equal(Nodes, decisions);
            return (applied, sawNoKeys);
        }
        finally
        {
            foreach (var handle in handles)
            {
                await handle.DisposeAsync();
            }
        }
    }

    private static Func<string, SigningKeyState, StoredSigningKey> Create(DateTimeOffset at) =>
        (algorithm, state) => SigningKeyFactory.Create(algorithm, state, at, Protector);

    private static AuditEvent Audit(KeyChange change) =>
        new(Now, "key." + change.Kind.ToString().ToLowerInvariant(), "success", Target: change.Kid, Detail: $"alg={change.Algorithm}");

    private async Task<TestDatabase> MigratedAsync(DatabaseProvider provider)
    {
        var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var handle = test.Open();
        await Tokens.MigrateAsync(handle);
        return test;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Manager_OnAnotherMasterKey_WhenARotationIsDue_MakesNoKey(DatabaseProvider provider)
    {
        using var test = await MigratedAsync(provider);
        await CreateActiveKeysAsync(test, Now - Schedule.ActiveLifetime);
        var before = await LoadAsync(test);
        await using var handle = test.Open();
        var manager = new SigningKeyManager(new SigningKeyStore(handle), Schedule, new FixedTimeProvider(Now));

        // A node left on an old master key (say, after `keys rewrap`) must not make a key the others cannot open.
        var error = await Assert.ThrowsAsync<MasterKeyMismatchException>(() =>
            manager.ApplyScheduleIfDueAsync(new MasterKeyProtector(new byte[32]), CancellationToken.None));

        Assert.Contains(error.Kid, before.Select(k => k.Kid));
        Assert.Equal(before.Select(k => k.Kid), (await LoadAsync(test)).Select(k => k.Kid));
    }

    private static async Task CreateActiveKeysAsync(TestDatabase test, DateTimeOffset at)
    {
        await using var handle = test.Open();
        await new SigningKeyStore(handle).ChangeAsync(
            _ => SigningAlgorithms.All.Select(a => new KeyChange(KeyChangeKind.Create, a, null, SigningKeyState.Active)).ToList(),
            Create(at), Audit, at, CancellationToken.None);
    }

    private static async Task<IReadOnlyList<StoredSigningKey>> LoadAsync(TestDatabase test)
    {
        await using var handle = test.Open();
        return await new SigningKeyStore(handle).LoadAsync(CancellationToken.None);
    }

    private static async Task<IReadOnlyList<string>> AuditTargetsAsync(TestDatabase test, string action)
    {
        await using var handle = test.Open();
        await using var db = handle.CreateContext();
        return await db.AuditEvents.Where(e => e.Action == action).Select(e => e.Target!).ToListAsync();
    }
}
