using AuthServer.Data.Audit;
using AuthServer.Data.Migrations;
using AuthServer.Data.Stores;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;

namespace AuthServer.Data.Tests;

/// <summary>
/// The chain stays linear when several nodes append at once, and the rows written before migration 0009 are chained
/// by it. Nodes are simulated by separate <see cref="AuthServerDatabase"/> instances (separate connection pools).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditChainConcurrencyTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Append_TwoNodesAppendingConcurrentlyThroughBothPaths_OneLinearChainWithEveryEntry(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await using var nodeA = log.Test.Open();
        await using var nodeB = log.Test.Open();
        await using var writerA = new GroupCommitWriter(nodeA);
        await using var writerB = new GroupCommitWriter(nodeB);

        // Each node: 100 protocol events through its group-commit writer and 10 admin changes through AuditLog, all at once.
        var appends = new List<Task>();
        foreach (var (node, writer, offset) in new[] { (nodeA, writerA, 0), (nodeB, writerB, 1000) })
        {
            appends.AddRange(Enumerable.Range(offset + 1, 100).Select(n =>
                Task.Run(() => writer.WriteAuditAsync(AuditTestLog.Event(n, "token.issued"), CancellationToken.None))));
            appends.AddRange(Enumerable.Range(offset + 500, 10).Select(n =>
                Task.Run(() => AuditTestLog.AppendAsync(node, AuditTestLog.Event(n)))));
        }

        await Task.WhenAll(appends).WaitAsync(TimeSpan.FromSeconds(120));

        var result = await log.VerifyAsync();
        Assert.True(result.Ok, result.Problem?.Message);
        Assert.Equal(220, result.Count);
        Assert.Equal(220, result.Head!.Sequence);
    }

    [Fact]
    public async Task SqliteTransaction_BegunThroughEf_HoldsTheWriteLockFromBegin()
    {
        // AuditChain relies on this on SQLite: a second writer cannot even begin while the first is open, so the head
        // the first one read cannot move under it.
        using var test = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await using var database = test.Open();
        await Tokens.MigrateAsync(database);
        await using var db = database.CreateContext();
        await using var first = await db.Database.BeginTransactionAsync();

        await using var other = new SqliteConnection(test.ConnectionString + ";Default Timeout=1");
        await other.OpenAsync();
        var busy = Assert.Throws<SqliteException>(() => other.BeginTransaction());
        Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_DatabaseAt0008WithAuditRows_0009ChainsThemInIdOrder(DatabaseProvider provider)
    {
        using var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var database = test.Open();
        var before = Migration.Load(provider).Where(m => string.CompareOrdinal(m.Version, "0009") < 0).ToList();
        await MigrationHistory.ExecuteAsync(database,
            $"CREATE TABLE {MigrationRunner.HistoryTable} (version VARCHAR(4) NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, " +
            "checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL)");
        foreach (var m in before)
        {
            await MigrationHistory.ExecuteAsync(database, m.Sql);
            await MigrationHistory.ExecuteAsync(database,
                $"INSERT INTO {MigrationRunner.HistoryTable} VALUES ('{m.Version}', '{m.Name}', '{m.Checksum}', '2025-01-01T00:00:00Z')");
        }

        await MigrationHistory.ExecuteAsync(database,
            "INSERT INTO audit_events (occurred_at, action, outcome, client_id, detail) VALUES " +
            "(3000, 'token.issued', 'success', 'c1', 'grant=client_credentials'), (1000, 'key.create', 'success', NULL, 'alg=ES256'), " +
            "(2000, 'login.password', 'failure', NULL, NULL)");

        await Tokens.MigrateAsync(database);

        await using var log = await OpenLogAsync(test);
        var result = await log.VerifyAsync();
        Assert.True(result.Ok, result.Problem?.Message);
        Assert.Equal(3, result.Count);
        Assert.Equal(new[] { "token.issued", "key.create", "login.password" },
            new[] { (await log.ReadAsync(1)).Action, (await log.ReadAsync(2)).Action, (await log.ReadAsync(3)).Action });
        await AuditTestLog.AppendAsync(log.Database, AuditTestLog.Event(1));
        Assert.Equal(4, (await log.VerifyAsync()).Head!.Sequence);
    }

    private static Task<AuditTestLog> OpenLogAsync(TestDatabase test) => AuditTestLog.OpenAsync(test);
}
