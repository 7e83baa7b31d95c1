using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AuthServer.Data.Migrations;

public sealed record MigrationReport(IReadOnlyList<string> Applied, string? CurrentVersion);

/// <summary>
/// Applies pending migrations in order, each in a transaction, recording them in schema_migrations.
/// Safe when several processes start at once: PostgreSQL takes an advisory lock; SQLite a write lock.
/// </summary>
public sealed class MigrationRunner(AuthServerDatabase database, TimeProvider time)
{
    public const string HistoryTable = "schema_migrations";

    // Any fixed number; it names "the AuthServer migration lock" among advisory locks.
    private const long AdvisoryLockKey = 0x4155_5448_5352_5652;

    /// <summary>What a migration needs that SQL cannot do, run right after its script in the same transaction.</summary>
    private static readonly Dictionary<string, Func<DbConnection, DbTransaction, DatabaseProvider, CancellationToken, Task>> CodeSteps = new()
    {
        ["0009"] = Audit.AuditChain.ChainExistingAsync, // SHA-256 over rows written before the audit chain existed
    };

    public async Task<MigrationReport> MigrateAsync(CancellationToken cancellationToken)
    {
        var migrations = Migration.Load(database.Provider);
        if (migrations.Count == 0)
        {
            throw new InvalidOperationException("No migrations are embedded in this build.");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return database.Provider == DatabaseProvider.Sqlite
            ? await MigrateSqliteAsync((SqliteConnection)connection, migrations, cancellationToken)
            : await MigratePostgresAsync(connection, migrations, cancellationToken);
    }

    private async Task<MigrationReport> MigrateSqliteAsync(
        SqliteConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        // WAL lets readers continue while the single writer commits; it is a property of the database file.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);

        // BEGIN IMMEDIATE: the first process takes the write lock; the others wait for it, then see its work.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, transaction, cancellationToken);
        var applied = await ApplyPendingAsync(connection, transaction, migrations, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new MigrationReport(applied, migrations[^1].Version);
    }

    private async Task<MigrationReport> MigratePostgresAsync(
        DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            var applied = new List<string>();
            await EnsureHistoryTableAsync(connection, null, cancellationToken);
            foreach (var migration in migrations)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                applied.AddRange(await ApplyPendingAsync(connection, transaction, [migration], cancellationToken, migrations));
                await transaction.CommitAsync(cancellationToken);
            }

            return new MigrationReport(applied, migrations[^1].Version);
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static Task EnsureHistoryTableAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct) =>
        ExecuteAsync(connection, transaction,
            $"CREATE TABLE IF NOT EXISTS {HistoryTable} (version VARCHAR(4) NOT NULL PRIMARY KEY, " +
            "name VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL)", ct);

    /// <param name="toApply">The migrations to apply now if pending.</param>
    /// <param name="known">All migrations this build knows, to check the history against (defaults to toApply).</param>
    private async Task<List<string>> ApplyPendingAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<Migration> toApply,
        CancellationToken cancellationToken, IReadOnlyList<Migration>? known = null)
    {
        known ??= toApply;
        var history = await ReadHistoryAsync(connection, transaction, cancellationToken);
        Verify(history, known);

        var applied = new List<string>();
        foreach (var migration in toApply.Where(m => !history.ContainsKey(m.Version)))
        {
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            if (CodeSteps.TryGetValue(migration.Version, out var step))
            {
                await step(connection, transaction, database.Provider, cancellationToken);
            }

            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText =
                $"INSERT INTO {HistoryTable} (version, name, checksum, applied_at) VALUES (@v, @n, @c, @a)";
            insert.AddParameter("@v").Value = migration.Version;
            insert.AddParameter("@n").Value = migration.Name;
            insert.AddParameter("@c").Value = migration.Checksum;
            insert.AddParameter("@a").Value = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            applied.Add($"{migration.Version}_{migration.Name}");
        }

        return applied;
    }

    private static void Verify(Dictionary<string, string> history, IReadOnlyList<Migration> known)
    {
        var byVersion = known.ToDictionary(m => m.Version);
        foreach (var (version, checksum) in history)
        {
            if (!byVersion.TryGetValue(version, out var migration))
            {
                throw new InvalidOperationException(
                    $"The database has migration {version}, which this build does not know: it was migrated by a newer " +
                    "AuthServer. Run that version, or restore a backup made before it.");
            }

            if (migration.Checksum != checksum)
            {
                throw new InvalidOperationException(
                    $"Migration {version}_{migration.Name} was changed after it was applied to this database. " +
                    "Applied migrations are immutable: restore the original file and add a new migration instead.");
            }
        }
    }

    private static async Task<Dictionary<string, string>> ReadHistoryAsync(
        DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT version, checksum FROM {HistoryTable}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var history = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            history[reader.GetString(0)] = reader.GetString(1);
        }

        return history;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync(ct);
    }
}
