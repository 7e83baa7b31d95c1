using AuthServer.Data.Entities;
using AuthServer.Protocol.Audit;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Audit;

/// <summary>Appends audit events inside a unit of work that is already open on a context.</summary>
public static class AuditLog
{
    /// <summary>
    /// Writes <paramref name="events"/> now, in the context's current transaction, so they commit or roll back with
    /// the change they describe. The caller must have begun a transaction.
    /// </summary>
    public static async Task AppendAsync(AuthServerDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit events are appended inside the transaction of the change they describe.");
        }

        foreach (var e in events)
        {
            db.AuditEvents.Add(new AuditEventEntity
            {
                OccurredAt = e.OccurredAt.ToUnixTimeMilliseconds(), Action = e.Action, Outcome = e.Outcome,
                ClientId = e.ClientId, Subject = e.Subject, Target = e.Target, Detail = e.Detail,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
