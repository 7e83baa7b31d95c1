using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AuthServer.Data.Audit;

/// <summary>A place in the chain that someone wrote down (from `audit verify` or an export): "sequence:hash".</summary>
public sealed record AuditCheckpoint(long Sequence, string Hash)
{
    public override string ToString() => $"{Sequence}:{Hash}";

    public static bool TryParse(string? text, out AuditCheckpoint? checkpoint)
    {
        checkpoint = null;
        var parts = text?.Trim().Split(':');
        if (parts is not [var sequence, var hash]
            || !long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1
            || hash.Length != AuditColumns.Hash || !hash.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        checkpoint = new AuditCheckpoint(n, hash.ToLowerInvariant());
        return true;
    }
}

/// <summary>Where the chain breaks: the sequence, what kind of break, and a sentence for the operator.</summary>
/// <param name="Kind">edited, deleted, reordered, replaced, unchained, truncated or checkpoint.</param>
public sealed record AuditProblem(long? Sequence, string Kind, string Message);

public sealed record AuditVerification(long Count, long? FirstSequence, AuditCheckpoint? Head, AuditProblem? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>
/// Walks the chain in sequence order, streaming, and reports the first break. The walk and its reads of the prune
/// anchors run in one read snapshot, so entries appended meanwhile are simply not part of this check.
/// </summary>
public static class AuditVerifier
{
    public const string PrunedAction = "audit.pruned";

    public static async Task<AuditVerification> VerifyAsync(
        AuthServerDatabase database, AuditCheckpoint? expectHead, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginSnapshotAsync(connection, cancellationToken);
        var anchors = await ReadAnchorsAsync(connection, transaction, cancellationToken);

        var walk = new Walk(anchors, expectHead);
        await using (var select = AuditSql.CreateSelect(connection, transaction, "WHERE sequence IS NOT NULL ORDER BY sequence"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (walk.Problem is null && await reader.ReadAsync(cancellationToken))
            {
                walk.Next(AuditSql.Read(reader));
            }
        }

        var problem = walk.Problem ?? walk.Finish() ?? await FindUnchainedAsync(connection, transaction, cancellationToken);
        return new AuditVerification(walk.Count, walk.First, walk.Head, problem);
    }

    /// <summary>PostgreSQL: REPEATABLE READ. SQLite: a deferred transaction, which reads one snapshot and blocks no writer.</summary>
    private static async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    /// <summary>Every prune recorded in the chain: its own sequence, and the last sequence and hash it deleted.</summary>
    private static async Task<List<(long At, AuditCheckpoint LastPruned)>> ReadAnchorsAsync(
        DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var anchors = new List<(long, AuditCheckpoint)>();
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT sequence, data FROM audit_events WHERE action = @action AND sequence IS NOT NULL";
        select.AddParameter("@action").Value = PrunedAction;
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(1) && PruneAnchor.TryParse(reader.GetString(1)) is { } lastPruned)
            {
                anchors.Add((reader.GetInt64(0), lastPruned));
            }
        }

        return anchors;
    }

    private static async Task<AuditProblem?> FindUnchainedAsync(
        DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var select = AuditSql.CreateSelect(connection, transaction, "WHERE sequence IS NULL ORDER BY id LIMIT 1");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = AuditSql.Read(reader);
        return new AuditProblem(null, "unchained",
            $"Row id {reader.GetInt64(0)} ({row.Action} at {Time(row.OccurredAt)}) has no place in the chain: it was inserted " +
            "directly, or by a node older than migration 0009.");
    }

    public static string Time(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>The walk's state: the entry before the current one, and the first problem found.</summary>
    private sealed class Walk(List<(long At, AuditCheckpoint LastPruned)> anchors, AuditCheckpoint? expectHead)
    {
        public long Count { get; private set; }

        public long? First { get; private set; }

        public AuditCheckpoint? Head { get; private set; }

        public AuditProblem? Problem { get; private set; }

        public void Next(AuditRecord row)
        {
            Count++;
            var linked = Head is null ? StartsWell(row) : Follows(row, Head);
            if (Problem is not null)
            {
                return;
            }

            var intact = row.ComputeHash() == row.Hash;
            Problem = (intact, linked) switch
            {
                (false, false) => new AuditProblem(row.Sequence, "reordered",
                    $"Entry {row.Sequence} is out of place: neither its hash nor its previous_hash fits its position" +
                    (Head is null ? " at the start of the log" : $" after entry {Head.Sequence}") +
                    ". Entries were moved or renumbered."),
                (false, true) => new AuditProblem(row.Sequence, "edited",
                    $"Entry {row.Sequence} was changed after it was written: its content does not match its hash."),
                (true, false) => new AuditProblem(row.Sequence, "replaced",
                    Head is null
                        ? $"Entry {row.Sequence} claims to be the first entry, but its previous_hash is not the genesis value."
                        : $"Entry {row.Sequence}'s previous_hash does not match the hash of entry {Head.Sequence}: entry " +
                          $"{Head.Sequence} was replaced (edited and its hash recomputed), or entries were reordered."),
                _ => CheckpointMismatch(row),
            };
            Head = new AuditCheckpoint(row.Sequence, row.Hash);
        }

        /// <summary>After the walk: the tail against the expected head.</summary>
        public AuditProblem? Finish()
        {
            if (expectHead is null)
            {
                return null;
            }

            if (Head is null || Head.Sequence < expectHead.Sequence)
            {
                return new AuditProblem(expectHead.Sequence, "truncated",
                    $"The log ends at sequence {Head?.Sequence ?? 0}, but the checkpoint says it had reached {expectHead.Sequence}: " +
                    "entries at the end were deleted.");
            }

            return expectHead.Sequence < First
                ? new AuditProblem(expectHead.Sequence, "checkpoint",
                    $"The checkpoint's entry {expectHead.Sequence} has been pruned (the log now starts at {First}): it cannot be " +
                    "compared. Use a checkpoint taken after the last prune.")
                : null;
        }

        /// <summary>The first entry: sequence 1 after the genesis value, or the entry after a prune that an anchor records.</summary>
        private bool StartsWell(AuditRecord row)
        {
            First = row.Sequence;
            if (row.Sequence == 1)
            {
                return row.PreviousHash == AuditRecord.Genesis;
            }

            var anchored = anchors.Any(a =>
                a.At >= row.Sequence && a.LastPruned.Sequence == row.Sequence - 1 && a.LastPruned.Hash == row.PreviousHash);
            if (!anchored)
            {
                Problem = new AuditProblem(row.Sequence - 1, "deleted",
                    $"The log starts at sequence {row.Sequence}, but no {PrunedAction} entry records a prune up to " +
                    $"{row.Sequence - 1}: entries 1 to {row.Sequence - 1} (or the prune's own entry) were deleted.");
            }

            return true;
        }

        private bool Follows(AuditRecord row, AuditCheckpoint previous)
        {
            if (row.Sequence != previous.Sequence + 1)
            {
                Problem = new AuditProblem(previous.Sequence + 1, "deleted",
                    row.Sequence == previous.Sequence + 2
                        ? $"Entry {previous.Sequence + 1} is missing: the sequence jumps from {previous.Sequence} to {row.Sequence}."
                        : $"Entries {previous.Sequence + 1} to {row.Sequence - 1} are missing: the sequence jumps from " +
                          $"{previous.Sequence} to {row.Sequence}.");
            }

            return row.PreviousHash == previous.Hash;
        }

        private AuditProblem? CheckpointMismatch(AuditRecord row) =>
            expectHead is not null && row.Sequence == expectHead.Sequence && row.Hash != expectHead.Hash
                ? new AuditProblem(row.Sequence, "checkpoint",
                    $"Entry {row.Sequence}'s hash differs from the checkpoint: the log was rewritten from there on, or the " +
                    "checkpoint comes from another database.")
                : null;
    }
}

/// <summary>The data of an "audit.pruned" entry: the last sequence the prune deleted and that entry's hash.</summary>
public static class PruneAnchor
{
    public static string Json(AuditCheckpoint lastPruned, long deleted, DateTimeOffset before) =>
        JsonSerializer.Serialize(new
        {
            lastPrunedSequence = lastPruned.Sequence,
            lastPrunedHash = lastPruned.Hash,
            deleted,
            before = before.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        });

    public static AuditCheckpoint? TryParse(string data)
    {
        try
        {
            using var json = JsonDocument.Parse(data);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("lastPrunedSequence", out var sequence) && sequence.TryGetInt64(out var n)
                && root.TryGetProperty("lastPrunedHash", out var hash) && hash.ValueKind == JsonValueKind.String
                ? new AuditCheckpoint(n, hash.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
