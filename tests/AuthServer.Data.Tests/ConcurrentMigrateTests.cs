using AuthServer.Data.Migrations;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AuthServer.Data.Tests;

/// <summary>
/// Several nodes may run `AuthServer migrate` at once: they must not race each other. So that the two processes
/// really overlap (process start-up varies by hundreds of milliseconds; a migration takes tens), the test first
/// holds the lock they need, and releases it only once it sees both processes waiting for it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConcurrentMigrateTests(PostgresCluster cluster)
{
    /// <summary>
    /// MigrationRunner's pg_advisory_lock key. It must never change: otherwise nodes of two versions migrating
    /// during a rolling deploy would not exclude each other.
    /// </summary>
    private const long PostgresMigrationLockKey = 0x4155_5448_5352_5652;

    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task MigrateCommand_TwoProcessesOnOneEmptyDatabase_BothSucceedWithOneCorrectSchema(DatabaseProvider provider)
    {
        using var shared = await TestDatabase.CreateAsync(provider, cluster);
        using var fromModel = await TestDatabase.CreateAsync(provider, cluster);
        var workingDirectory = Directory.CreateTempSubdirectory("authserver-migrate-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["AuthServer__Database__Provider"] = provider.ToString(),
                ["AuthServer__Database__ConnectionString"] = shared.ConnectionString,
            };

            ChildProcessResult[] results;
            await using (var gate = await Gate.HoldAsync(shared))
            {
                using var first = ChildProcess.Start(AuthServerHost.StartInfo(["migrate"], environment, workingDirectory));
                using var second = ChildProcess.Start(AuthServerHost.StartInfo(["migrate"], environment, workingDirectory));
                var bothWaited = await gate.WaitForWaitersAsync([first, second]);
                await gate.ReleaseAsync();
                results = await Task.WhenAll(first.WaitAsync(ProcessTimeout), second.WaitAsync(ProcessTimeout));
                Assert.True(bothWaited,
                    $"The two migrate processes were not both seen waiting for {gate.Describe()} before it was released.\n" +
                    string.Join("\n", results.Select(r => r.ToString())));
            }

            Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));

            // Exactly one of them applied the migrations; the other found the database up to date.
            Assert.Single(results, r => r.StandardOutput.Contains("Applied ", StringComparison.Ordinal));
            Assert.Single(results, r => r.StandardOutput.Contains("The database is up to date", StringComparison.Ordinal));

            await using var database = shared.Open();
            Assert.Equal(MigrationHistory.Expected(provider), await MigrationHistory.ReadAsync(database));
            SchemaAssert.Equal(
                await SchemaAssert.DescribeModelSchemaAsync(fromModel), "the EF model (EnsureCreated)",
                await SchemaDescriber.DescribeAsync(database, CancellationToken.None), "the database migrated by two processes");
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    /// <summary>Holds what the migrate processes must wait for, and tells when they are waiting.</summary>
    private abstract class Gate : IAsyncDisposable
    {
        public static async Task<Gate> HoldAsync(TestDatabase database)
        {
            Gate gate = database.Provider == DatabaseProvider.Sqlite
                ? new SqliteGate(database.SqliteFile!)
                : new PostgresGate(database.ConnectionString);
            await gate.HoldCoreAsync();
            return gate;
        }

        public abstract string Describe();

        /// <summary>True once every process waits at the gate; false if one exits first or the time runs out.</summary>
        public async Task<bool> WaitForWaitersAsync(IReadOnlyList<ChildProcess> processes)
        {
            using var deadline = new CancellationTokenSource(GateTimeout);
            while (!deadline.IsCancellationRequested && !processes.Any(p => p.Exited.IsCompleted))
            {
                if (await CountWaitersAsync(processes) >= processes.Count)
                {
                    return true;
                }

                // Polls an observable condition (bounded by the deadline); the processes themselves block on the lock.
                try
                {
                    await Task.WhenAny(processes.Select(p => p.Exited)).WaitAsync(TimeSpan.FromMilliseconds(50), deadline.Token);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                }
            }

            return false;
        }

        public abstract Task ReleaseAsync();

        public abstract ValueTask DisposeAsync();

        protected abstract Task HoldCoreAsync();

        protected abstract Task<int> CountWaitersAsync(IReadOnlyList<ChildProcess> processes);
    }

    /// <summary>Holds MigrationRunner's advisory lock; a waiter is an ungranted request for it in pg_locks.</summary>
    private sealed class PostgresGate(string connectionString) : Gate
    {
        private readonly NpgsqlConnection _connection =
            new(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);

        private bool _locked;

        public override string Describe() => $"the migration lock (pg_advisory_lock 0x{PostgresMigrationLockKey:x})";

        public override async Task ReleaseAsync()
        {
            if (_locked)
            {
                _locked = false;
                await ExecuteScalarAsync($"SELECT pg_advisory_unlock({PostgresMigrationLockKey})");
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await _connection.DisposeAsync();
        }

        protected override async Task HoldCoreAsync()
        {
            await _connection.OpenAsync();
            await ExecuteScalarAsync($"SELECT pg_advisory_lock({PostgresMigrationLockKey})");
            _locked = true;
        }

        protected override async Task<int> CountWaitersAsync(IReadOnlyList<ChildProcess> processes) =>
            Convert.ToInt32(await ExecuteScalarAsync(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 " +
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
                $"AND ((classid::bigint << 32) | objid::bigint) = {PostgresMigrationLockKey}"), System.Globalization.CultureInfo.InvariantCulture);

        private async Task<object?> ExecuteScalarAsync(string sql)
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync();
        }
    }

    /// <summary>
    /// Holds an exclusive lock on the database file, so the processes' first statement is busy and retried.
    /// A waiter is a process that has the file open (seen in /proc/PID/fd; on other systems the gate opens at once).
    /// </summary>
    private sealed class SqliteGate(string file) : Gate
    {
        private readonly SqliteConnection _connection =
            new(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);

        private bool _locked;

        public override string Describe() => $"an exclusive lock on {file}";

        public override async Task ReleaseAsync()
        {
            if (_locked)
            {
                _locked = false;
                await ExecuteAsync("ROLLBACK");
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await _connection.DisposeAsync();
        }

        protected override async Task HoldCoreAsync()
        {
            // The file is new, so in rollback-journal mode: an exclusive lock keeps readers out as well as writers.
            await _connection.OpenAsync();
            await ExecuteAsync("BEGIN EXCLUSIVE");
            _locked = true;
        }

        protected override Task<int> CountWaitersAsync(IReadOnlyList<ChildProcess> processes)
        {
            if (!OperatingSystem.IsLinux())
            {
                return Task.FromResult(processes.Count);
            }

            var full = Path.GetFullPath(file);
            return Task.FromResult(processes.Count(p => HasOpen(p.Id, full)));
        }

        private async Task ExecuteAsync(string sql)
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }

        private static bool HasOpen(int pid, string path)
        {
            try
            {
                return new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
                    .Any(fd => fd.LinkTarget == path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
