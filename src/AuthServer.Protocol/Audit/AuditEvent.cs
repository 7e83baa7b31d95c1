namespace AuthServer.Protocol.Audit;

/// <summary>One audited fact. Never carries a token value, a secret or a password.</summary>
/// <param name="Actor">Who made an administrative change: "user:{name}", "client:{id}" or "cli:{os user}"; null for protocol events.</param>
/// <param name="Source">Where the request came from (the caller's IP address), when it came over HTTP.</param>
/// <param name="Data">A JSON object with more about the event, such as an admin change's before and after (never a secret).</param>
public sealed record AuditEvent(
    DateTimeOffset OccurredAt,
    string Action,
    string Outcome,
    string? ClientId = null,
    string? Subject = null,
    string? Target = null,
    string? Detail = null,
    string? Actor = null,
    string? Source = null,
    string? Data = null);

public interface IAuditSink
{
    /// <summary>
    /// Queues the event. Events are written in order and in the same commit as, or before, any token stored
    /// after them, so an audited issuance is durable when the token is.
    /// </summary>
    void Record(AuditEvent auditEvent);

    /// <summary>Records the event and returns once it is durably committed.</summary>
    Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken);
}
