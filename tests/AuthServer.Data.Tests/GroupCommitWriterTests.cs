using AuthServer.Protocol.Audit;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

[Collection(PostgresCollection.Name)]
public sealed class GroupCommitWriterTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AddAsync_500ConcurrentCalls_AllCompleteAndAll500RowsArePresent(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var tokens = Enumerable.Range(0, 500)
            .Select(i => Tokens.Create($"tok-{i:000}", Tokens.IssuedAt, TimeSpan.FromHours(1)))
            .ToList();

        // Start every call before awaiting any, from several threads, so they pile up in the writer's queue.
        var adds = tokens.Select(t => Task.Run(() => harness.Store.AddAsync(t, CancellationToken.None))).ToList();
        await Task.WhenAll(adds).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(adds, a => Assert.True(a.IsCompletedSuccessfully));
        Assert.Equal(500, await Tokens.CountAsync(harness.Database));
        foreach (var token in tokens)
        {
            Tokens.AssertEqual(token, await harness.Store.FindAsync(token.Id, CancellationToken.None));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AddAsync_OneBadRowAmongConcurrentCalls_FailsOnlyThatCall(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var existing = Tokens.Create("tok-existing", Tokens.IssuedAt, TimeSpan.FromHours(1));
        await harness.Store.AddAsync(existing, CancellationToken.None);
        var tokens = Enumerable.Range(0, 200)
            .Select(i => Tokens.Create(i == 100 ? existing.Id : $"tok-{i:000}", Tokens.IssuedAt, TimeSpan.FromHours(1)))
            .ToList();

        // The duplicate id lands in a batch with its neighbours; only it may fail.
        var adds = tokens.Select(t => Task.Run(() => harness.Store.AddAsync(t, CancellationToken.None))).ToList();
        var all = Task.WhenAll(adds);
        await Assert.ThrowsAnyAsync<Exception>(() => all.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.All(adds, a => Assert.True(a.IsCompleted));
        Assert.Equal(1, adds.Count(a => a.IsFaulted));
        Assert.True(adds[100].IsFaulted);
        Assert.Equal(200, await Tokens.CountAsync(harness.Database));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task WriteAudit_NotStored_IsCountedAsLost_WhileAwaitedWritesGoOn(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var token = Tokens.Create("tok-after", Tokens.IssuedAt, TimeSpan.FromHours(1));
        await using (var connection = await harness.Database.OpenConnectionAsync(CancellationToken.None))
        await using (var command = connection.CreateCommand())
        {
            // Not an outage: the insert itself fails, as a bad row would.
            command.CommandText = "DROP TABLE audit_events";
            await command.ExecuteNonQueryAsync();
        }

        // Fire-and-forget, then an awaited write: the writer takes them in order, so once the token is stored the
        // audit event's batch has been handled.
        harness.Writer.WriteAudit(new AuditEvent(Tokens.IssuedAt, "login.failed", "failure", Target: "alice"));
        await harness.Store.AddAsync(token, CancellationToken.None);

        Assert.Equal(1, harness.Writer.LostAuditEvents);
        Assert.Equal(0, harness.Writer.DroppedAuditEvents);
        Tokens.AssertEqual(token, await harness.Store.FindAsync(token.Id, CancellationToken.None));
    }
}
