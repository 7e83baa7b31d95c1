using System.Diagnostics.Metrics;

namespace AuthServer.Http;

/// <summary>Counters for every protocol outcome (System.Diagnostics.Metrics; exported when a listener is configured).</summary>
public sealed class AuthServerMetrics
{
    public const string MeterName = "AuthServer";

    private readonly Counter<long> _issued;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _introspections;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _signals;

    public AuthServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _issued = meter.CreateCounter<long>("authserver.tokens.issued", description: "Access tokens issued");
        _errors = meter.CreateCounter<long>("authserver.protocol.errors", description: "Protocol error responses");
        _introspections = meter.CreateCounter<long>("authserver.introspections", description: "Introspection answers");
        _revocations = meter.CreateCounter<long>("authserver.revocations", description: "Revocation requests");
        _signals = meter.CreateCounter<long>("authserver.abuse.signals", description: "Abuse signals detected (see AuthServer:Signals)");
    }

    public void TokenIssued(string grant, string format, string clientId) =>
        _issued.Add(1, new("grant", grant), new("format", format), new("client", clientId));

    public void ProtocolError(string endpoint, string error) =>
        _errors.Add(1, new("endpoint", endpoint), new("error", error));

    public void Introspected(string callerId, bool active) =>
        _introspections.Add(1, new("caller", callerId), new("active", active));

    public void Revoked(string clientId, bool found) =>
        _revocations.Add(1, new("client", clientId), new("revoked", found));

    public void AbuseSignal(string signal) => _signals.Add(1, new KeyValuePair<string, object?>("signal", signal));

    // Made with the first refusal, so this method is all the rate limiter adds to this class. Two first refusals at
    // once are harmless: a Meter returns the same instrument for the same name, unit and description.
    private Counter<long>? _rateLimitRejections;

    /// <summary>A request refused by the rate limiter's <paramref name="policy"/> (docs/rate-limits.md).</summary>
    public void RateLimited(string policy) =>
        (_rateLimitRejections ??= _errors.Meter.CreateCounter<long>("authserver.ratelimit.rejections", description: "Requests refused by a rate limit (429)"))
        .Add(1, new KeyValuePair<string, object?>("policy", policy));
}
