using AuthServer.Protocol.Audit;

namespace AuthServer.Data.Stores;

/// <summary>Audit events go through the group-commit writer, in order with token inserts.</summary>
public sealed class AuditSink(GroupCommitWriter writer) : IAuditSink
{
    public void Record(AuditEvent auditEvent) => writer.WriteAudit(auditEvent);

    public Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken) =>
        writer.WriteAuditAsync(auditEvent, cancellationToken);
}
