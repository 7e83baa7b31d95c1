using AuthServer.Protocol.Audit;

namespace AuthServer.Data.Audit;

/// <summary>Appends audit events inside a unit of work that is already open on a context.</summary>
public static class AuditLog
{
    /// <summary>
    /// Saves the context's pending changes, then appends <paramref name="events"/> to the hash chain, in the context's
    /// current transaction, so they commit or roll back with the change they describe. The caller must have begun a
    /// transaction; call this last before committing, because the chain lock is held from here until the commit.
    /// </summary>
    public static async Task AppendAsync(AuthServerDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        await using var chain = await AuditChain.OpenAsync(db, cancellationToken);
        foreach (var e in events)
        {
            await chain.AppendAsync(e, cancellationToken);
        }
    }
}
