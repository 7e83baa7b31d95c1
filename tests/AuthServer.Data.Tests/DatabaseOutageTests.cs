using System.Diagnostics;
using AuthServer.Data.Stores;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AuthServer.Data.Tests;

/// <summary>
/// What the real drivers throw when the database is away is an outage (503 temporarily_unavailable); what they throw
/// for a bug is not (500 server_error). And the group-commit writer fails a batch at once while the database is away,
/// then commits again when it is back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Sqlite_BusyPastTheTimeout_IsAnOutage_AlsoWrappedByEfCore()
    {
        using var test = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await using var locker = await OpenLockedSqliteAsync(test);
        await using var writer = new SqliteConnection(test.ConnectionString + ";Default Timeout=1");
        await writer.OpenAsync();

        var busy = await Assert.ThrowsAsync<SqliteException>(() => ExecuteAsync(writer, "CREATE TABLE t (x INTEGER)"));

        Assert.True(DatabaseOutage.IsOutage(busy));
        Assert.True(DatabaseOutage.IsOutage(new DbUpdateException("wrapped", busy)));
        Assert.True(DatabaseOutage.IsOutage(new InvalidOperationException("a transient failure", busy)));
        Assert.True(DatabaseOutage.IsOutage(new Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException("retried", new DbUpdateException("wrapped", busy))));
    }

    [Fact]
    public async Task Sqlite_ConstraintViolationOrMissingTable_IsNotAnOutage()
    {
        using var test = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await using var connection = new SqliteConnection(test.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)");

        var duplicate = await Assert.ThrowsAsync<SqliteException>(() => ExecuteAsync(connection, "INSERT INTO t VALUES (1)"));
        var missing = await Assert.ThrowsAsync<SqliteException>(() => ExecuteAsync(connection, "SELECT * FROM nowhere"));

        Assert.False(DatabaseOutage.IsOutage(duplicate));
        Assert.False(DatabaseOutage.IsOutage(new DbUpdateException("wrapped", duplicate)));
        Assert.False(DatabaseOutage.IsOutage(missing));
        Assert.False(DatabaseOutage.IsOutage(new InvalidOperationException("a bug")));
    }

    [Fact]
    public async Task Npgsql_ConnectionRefused_PoolExhausted_SessionTerminated_AreOutages()
    {
        var refusedAt = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Loopback.FreePort(), Username = "postgres", Pooling = false };
        await using (var refused = new NpgsqlConnection(refusedAt.ConnectionString))
        {
            Assert.True(DatabaseOutage.IsOutage(await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync())));
        }

        var connectionString = await cluster.CreateDatabaseAsync("outage_" + Guid.NewGuid().ToString("N"));
        await using var pool = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString);
        await using (await pool.OpenConnectionAsync())
        {
            var exhausted = await Assert.ThrowsAnyAsync<NpgsqlException>(() => pool.OpenConnectionAsync().AsTask());
            Assert.True(DatabaseOutage.IsOutage(exhausted), exhausted.ToString());
        }

        // An operator (or a fast shutdown) ends the session under a connection: 57P01 admin_shutdown.
        await using var victim = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await victim.OpenAsync();
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync();
            await ExecuteAsync(admin, $"SELECT pg_terminate_backend({victim.ProcessID})");
        }

        var terminated = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(victim, "SELECT 1"));
        Assert.True(DatabaseOutage.IsOutage(terminated), terminated.ToString());
        Assert.True(DatabaseOutage.IsOutage(new InvalidOperationException("likely a transient failure", terminated)));
    }

    [Fact]
    public async Task Npgsql_UniqueViolation_IsNotAnOutage()
    {
        var connectionString = await cluster.CreateDatabaseAsync("outage_" + Guid.NewGuid().ToString("N"));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)");

        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "INSERT INTO t VALUES (1)"));

        Assert.False(DatabaseOutage.IsOutage(duplicate));
        Assert.False(DatabaseOutage.IsOutage(new DbUpdateException("wrapped", duplicate)));
    }

    [Fact]
    public async Task GroupCommitWriter_WhileTheDatabaseIsLocked_FailsEveryQueuedWriteAtOnce_ThenCommitsWhenItIsFree()
    {
        using var test = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await using var database = new AuthServerDatabase(DatabaseProvider.Sqlite, test.ConnectionString + ";Default Timeout=1");
        await Tokens.MigrateAsync(database);
        await using var writer = new GroupCommitWriter(database);
        var store = new TokenStore(database, writer, new TokenStoreSettings(TimeSpan.FromDays(1)));
        const int writes = 40;

        var clock = Stopwatch.StartNew();
        await using (await OpenLockedSqliteAsync(test))
        {
            var adds = Enumerable.Range(0, writes)
                .Select(i => Task.Run(() => store.AddAsync(Tokens.Create($"tok-{i:00}", Tokens.IssuedAt, TimeSpan.FromHours(1)), CancellationToken.None)))
                .ToList();
            await Task.WhenAll(adds.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.All(adds, a => Assert.True(a.IsFaulted && DatabaseOutage.IsOutage(a.Exception!)));
        }

        // A write retried on its own would wait out the busy timeout again (a second each): a batch fails once.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(writes / 2), $"{writes} writes took {clock.Elapsed.TotalSeconds:0.0}s to fail.");

        var after = Tokens.Create("tok-after", Tokens.IssuedAt, TimeSpan.FromHours(1));
        await store.AddAsync(after, CancellationToken.None);
        Tokens.AssertEqual(after, await store.FindAsync(after.Id, CancellationToken.None));
        Assert.Equal(1, await Tokens.CountAsync(database));
    }

    [Fact]
    public async Task Sqlite_ConnectionsTheServerOpens_CommitWithFullSync()
    {
        // WAL with synchronous=FULL fsyncs the log at every commit, so a committed revocation survives a power cut too;
        // the bundled SQLite's default (DEFAULT_WAL_SYNCHRONOUS=2). This test notices if a library update changes it.
        using var test = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await using var database = test.Open();
        await Tokens.MigrateAsync(database);
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; PRAGMA synchronous";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("wal", reader.GetString(0));
        Assert.True(await reader.NextResultAsync() && await reader.ReadAsync());
        Assert.Equal(2L, reader.GetInt64(0));
    }

    [Fact]
    public async Task Start_WithTheDatabaseAway_ExitsSayingWhatToCheck_WithoutAStackTrace()
    {
        var folder = Directory.CreateTempSubdirectory("authserver-outage-start-").FullName;
        try
        {
            var nobody = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Loopback.FreePort(), Username = "postgres", Database = "authserver" };
            var environment = new Dictionary<string, string>
            {
                ["AuthServer__Database__Provider"] = "PostgreSql",
                ["AuthServer__Database__ConnectionString"] = nobody.ConnectionString,
                ["Urls"] = $"http://127.0.0.1:{Loopback.FreePort()}",
            };

            var result = await ChildProcess.RunAsync(AuthServerHost.StartInfo([], environment, folder), TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("AuthServer cannot start: the database is unavailable", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Another connection holding the write lock (BEGIN EXCLUSIVE) until disposed.</summary>
    private static async Task<SqliteConnection> OpenLockedSqliteAsync(TestDatabase test)
    {
        var locker = new SqliteConnection(new SqliteConnectionStringBuilder(test.ConnectionString) { Pooling = false }.ConnectionString);
        await locker.OpenAsync();
        await ExecuteAsync(locker, "PRAGMA journal_mode=WAL; BEGIN EXCLUSIVE");
        return locker;
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
