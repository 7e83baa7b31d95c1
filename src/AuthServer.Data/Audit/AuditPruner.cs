using AuthServer.Protocol.Audit;

namespace AuthServer.Data.Audit;

/// <summary>What a prune did: how many entries went, and the last one deleted (recorded in the chain as the anchor).</summary>
public sealed record AuditPruneResult(long Deleted, AuditCheckpoint? LastPruned, AuditRecord? Anchor);

/// <summary>
/// Retention: deletes the oldest entries, a prefix of the chain, and appends an "audit.pruned" entry that records the
/// last deleted sequence and its hash. Verify then accepts a log that starts right after that sequence, and only then.
/// </summary>
public static class AuditPruner
{
    /// <summary>
    /// Deletes every entry before the first one that occurred at or after <paramref name="before"/> (so nothing newer
    /// goes, even where entries from several nodes are not in time order), in one transaction under the chain lock.
    /// </summary>
    public static async Task<AuditPruneResult> PruneAsync(
        AuthServerDatabase database, DateTimeOffset before, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Opened first: the head is read before anything is deleted, so the anchor continues the chain even when the
        // prune deletes every entry.
        await using var chain = await AuditChain.OpenAsync(connection, transaction, database.Provider, cancellationToken);

        await using var find = connection.CreateCommand();
        find.Transaction = transaction;
        find.CommandText = "SELECT MIN(sequence) FROM audit_events WHERE sequence IS NOT NULL AND occurred_at >= @before";
        find.AddParameter("@before").Value = before.ToUnixTimeMilliseconds();
        var firstKept = await find.ExecuteScalarAsync(cancellationToken);
        var last = firstKept is null or DBNull ? chain.HeadSequence : Convert.ToInt64(firstKept, System.Globalization.CultureInfo.InvariantCulture) - 1;

        await using var hashOf = connection.CreateCommand();
        hashOf.Transaction = transaction;
        hashOf.CommandText = "SELECT hash FROM audit_events WHERE sequence = @last";
        hashOf.AddParameter("@last").Value = last;
        if (await hashOf.ExecuteScalarAsync(cancellationToken) is not string lastHash)
        {
            return new AuditPruneResult(0, null, null); // nothing that old is left
        }

        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM audit_events WHERE sequence <= @last";
        delete.AddParameter("@last").Value = last;
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);

        var lastPruned = new AuditCheckpoint(last, lastHash);
        var anchor = await chain.AppendAsync(new AuditEvent(now, AuditVerifier.PrunedAction, "success",
            Detail: $"Deleted {deleted} entries up to sequence {last} (before {AuditVerifier.Time(before.ToUnixTimeMilliseconds())}).",
            Actor: actor, Data: PruneAnchor.Json(lastPruned, deleted, before)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AuditPruneResult(deleted, lastPruned, anchor);
    }
}
