namespace AuthServer.Admin.Overview;

/// <summary>What the admin overview shows: the last hour of the audit log (all nodes), and this node's recent signals.</summary>
public sealed record Overview(
    DateTimeOffset From,
    DateTimeOffset To,
    OverviewTotals Totals,
    IReadOnlyList<IssuedBy> ByClient,
    IReadOnlyList<IssuedBy> ByGrant,
    IReadOnlyList<IssuedInMinute> PerMinute,
    IReadOnlyList<FailureCount> Failures,
    IReadOnlyList<SecurityEvent> SecurityEvents,
    IReadOnlyList<NodeSignal> NodeSignals);

public sealed record OverviewTotals(long TokensIssued, long Failures, long Signals, long SecurityEvents);

/// <summary>Tokens issued in the hour by one client or one grant, and the busiest minute's count.</summary>
public sealed record IssuedBy(string Name, long Tokens, long PeakPerMinute);

/// <summary>One minute with issuance (minutes without any are left out), split by client and by grant.</summary>
public sealed record IssuedInMinute(DateTimeOffset Minute, long Total, IReadOnlyList<NamedCount> ByClient, IReadOnlyList<NamedCount> ByGrant);

public sealed record NamedCount(string Name, long Count);

public sealed record FailureCount(string Action, long Count);

/// <summary>An audit event worth an admin's eye: sign-in failures, failed client authentication, reuse, signals, key changes.</summary>
public sealed record SecurityEvent(
    DateTimeOffset OccurredAt, string Action, string Outcome, string? ClientId, string? Subject, string? Target, string? Detail,
    string? Source);

/// <summary>A signal this node detected (its audit event is among the security events too).</summary>
public sealed record NodeSignal(DateTimeOffset OccurredAt, string Signal, string Target, string? Source, int Count, int WindowSeconds);
