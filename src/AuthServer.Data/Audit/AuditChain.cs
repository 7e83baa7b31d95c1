using System.Data.Common;
using AuthServer.Protocol.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthServer.Data.Audit;

/// <summary>
/// The only way an audit entry is written. Inside the caller's transaction it takes the chain lock, reads the head
/// once, and gives each appended entry the next sequence and the previous entry's hash. The lock is held until the
/// caller commits, so appenders on every node and process form one linear chain.
/// </summary>
public sealed class AuditChain : IAsyncDisposable
{
    // Any fixed number; it names "the AuthServer audit chain lock" among PostgreSQL advisory locks (the signing-key
    // lock and the migration lock use other numbers).
    private const long AdvisoryLockKey = 0x4155_5448_4155_4454;

    private readonly DbCommand _insert;
    private long _headSequence;
    private string _headHash;

    private AuditChain(DbCommand insert, long headSequence, string headHash)
    {
        _insert = insert;
        _headSequence = headSequence;
        _headHash = headHash;
    }

    /// <summary>The last entry written so far in this transaction (or the head when the chain was opened); 0 when empty.</summary>
    public long HeadSequence => _headSequence;

    public string HeadHash => _headHash;

    /// <summary>
    /// Takes the chain lock and reads the head. PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing more is
    /// needed, because Microsoft.Data.Sqlite begins transactions IMMEDIATE (the write lock is held from BEGIN on), so
    /// writers are already serialised and the head read here cannot change before this transaction commits.
    /// </summary>
    public static async Task<AuditChain> OpenAsync(
        DbConnection connection, DbTransaction transaction, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        await LockAsync(connection, transaction, provider, cancellationToken);
        var (sequence, hash) = await ReadHeadAsync(connection, transaction, cancellationToken);
        return new AuditChain(AuditSql.CreateInsert(connection, transaction), sequence, hash);
    }

    /// <summary>Opens the chain in an EF context's current transaction (after saving its pending changes).</summary>
    public static async Task<AuditChain> OpenAsync(AuthServerDbContext db, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("Audit events are appended inside the transaction of the change they describe.");
        await db.SaveChangesAsync(cancellationToken);
        return await OpenAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), ProviderOf(db), cancellationToken);
    }

    /// <summary>Appends one entry after the current head; returns it as stored.</summary>
    public async Task<AuditRecord> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var record = AuditRecord.Seal(auditEvent, _headSequence + 1, _headHash);
        AuditSql.Bind(_insert, record);
        await _insert.ExecuteNonQueryAsync(cancellationToken);
        (_headSequence, _headHash) = (record.Sequence, record.Hash);
        return record;
    }

    public static async Task LockAsync(
        DbConnection connection, DbTransaction transaction, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        if (provider != DatabaseProvider.PostgreSql)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The highest sequence and its hash; (0, genesis) for an empty chain.</summary>
    public static async Task<(long Sequence, string Hash)> ReadHeadAsync(
        DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "SELECT sequence, hash FROM audit_events WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetInt64(0), reader.IsDBNull(1) ? "" : reader.GetString(1))
            : (0, AuditRecord.Genesis);
    }

    public static DatabaseProvider ProviderOf(AuthServerDbContext db) =>
        db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true ? DatabaseProvider.PostgreSql : DatabaseProvider.Sqlite;

    /// <summary>
    /// Migration 0009's code step: rows written before the chain existed are chained in id order (their write order),
    /// in the migration's own transaction, so the schema change and the chaining commit together or not at all.
    /// Reads only the columns of 0001 (actor, source and data did not exist yet, so they are null in the hash).
    /// </summary>
    public static async Task ChainExistingAsync(
        DbConnection connection, DbTransaction transaction, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        await LockAsync(connection, transaction, provider, cancellationToken);
        var (sequence, hash) = await ReadHeadAsync(connection, transaction, cancellationToken);
        var rows = new List<(long Id, AuditEvent Event)>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText =
                "SELECT id, occurred_at, action, outcome, client_id, subject, target, detail FROM audit_events " +
                "WHERE sequence IS NULL ORDER BY id";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), new AuditEvent(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3),
                    Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7))));
            }
        }

        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE audit_events SET sequence = @sequence, previous_hash = @previous_hash, hash = @hash, " +
            "action = @action, outcome = @outcome, client_id = @client_id, subject = @subject, target = @target, detail = @detail " +
            "WHERE id = @id";
        foreach (var name in (string[])["@sequence", "@previous_hash", "@hash", "@action", "@outcome", "@client_id", "@subject", "@target", "@detail", "@id"])
        {
            update.AddParameter(name);
        }

        foreach (var (id, e) in rows)
        {
            // Written back as sealed (the same values, unless a NUL had to be replaced), so the row holds what was hashed.
            var record = AuditRecord.Seal(e, ++sequence, hash);
            update.Set("@sequence", record.Sequence);
            update.Set("@previous_hash", record.PreviousHash);
            update.Set("@hash", record.Hash);
            update.Set("@action", record.Action);
            update.Set("@outcome", record.Outcome);
            update.Set("@client_id", record.ClientId);
            update.Set("@subject", record.Subject);
            update.Set("@target", record.Target);
            update.Set("@detail", record.Detail);
            update.Set("@id", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
            hash = record.Hash;
        }
    }

    public ValueTask DisposeAsync() => _insert.DisposeAsync();

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
