using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;

namespace AuthServer.Signals;

/// <summary>
/// The host's audit sink. The engine records events without knowing about HTTP; this stamps each event recorded
/// during a request with the caller's address (unless the recorder set one), then lets the abuse signals watch it.
/// Per event it costs a copy of the record when the source is filled, and one switch on the action.
/// </summary>
public sealed class SourceAuditSink(AuditSink inner, IHttpContextAccessor http, AbuseSignals signals) : IAuditSink
{
    public void Record(AuditEvent auditEvent)
    {
        var stamped = Stamp(auditEvent);
        inner.Record(stamped);
        signals.Watch(stamped);
    }

    public async Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var stamped = Stamp(auditEvent);
        await inner.RecordDurablyAsync(stamped, cancellationToken);
        signals.Watch(stamped);
    }

    private AuditEvent Stamp(AuditEvent auditEvent) =>
        auditEvent.Source is null && RequestSource.Of(http.HttpContext) is { } source
            ? auditEvent with { Source = source }
            : auditEvent;
}
