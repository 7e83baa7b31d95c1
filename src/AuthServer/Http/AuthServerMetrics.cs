using System.Diagnostics.Metrics;
using AuthServer.Data.Stores;
using AuthServer.Endpoints;
using AuthServer.Protocol.Keys;

namespace AuthServer.Http;

/// <summary>
/// Counters for every protocol outcome (System.Diagnostics.Metrics; exported over OTLP when configured, see
/// docs/observability.md). Tags stay bounded: grant, format, error and reason come from closed sets, client ids
/// from registration; never a user name, an address, a token or a token id.
/// </summary>
public sealed class AuthServerMetrics
{
    public const string MeterName = "AuthServer";

    // The endpoints an error can be tagged with; any other path under /connect or /.well-known is "other", so a
    // scanner's made-up paths cannot grow the number of series.
    private static readonly HashSet<string> KnownEndpoints = new(StringComparer.OrdinalIgnoreCase)
    {
        TokenEndpoint.Path, IntrospectionEndpoint.Path, RevocationEndpoint.Path, AuthorizeEndpoint.Path,
        UserInfoEndpoint.Path, EndSessionEndpoint.Path, PhantomTokenEndpoint.Path, MetadataEndpoints.JwksPath,
        MetadataEndpoints.OpenIdConfigurationPath, MetadataEndpoints.OAuthMetadataPath,
    };

    private readonly Counter<long> _issued;
    private readonly Counter<long> _codes;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _introspections;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _signals;
    private readonly Counter<long> _loginFailures;
    private readonly Counter<long> _rateLimitRejections;

    public AuthServerMetrics(IMeterFactory meters, ISigningKeyRingSource keys, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        _issued = meter.CreateCounter<long>("authserver.tokens.issued", "{token}",
            "Tokens issued by the token endpoint (access, refresh and ID tokens; see the token_type tag)");
        _codes = meter.CreateCounter<long>("authserver.authorization_codes.issued", "{code}", "Authorization codes issued");
        _errors = meter.CreateCounter<long>("authserver.protocol.errors", "{error}", "Protocol error responses");
        _introspections = meter.CreateCounter<long>("authserver.introspections", "{request}", "Introspection answers");
        _revocations = meter.CreateCounter<long>("authserver.revocations", "{request}", "Revocation requests");
        _signals = meter.CreateCounter<long>("authserver.abuse.signals", "{signal}", "Abuse signals detected (see AuthServer:Signals)");
        _loginFailures = meter.CreateCounter<long>("authserver.login.failures", "{attempt}", "Failed sign-in steps");
        _rateLimitRejections = meter.CreateCounter<long>("authserver.ratelimit.rejections", "{request}", "Requests refused by a rate limit (429)");

        // Read from the in-memory key ring on each collection: never a database round trip.
        meter.CreateObservableGauge("authserver.signing_key.age", () => KeyAges(keys.Current, time.GetUtcNow()), "s",
            "Seconds since the active signing key of each algorithm became active");
    }

    /// <summary>
    /// authserver.audit.events.lost on the same meter: audit events written without waiting (sign-in failures, signals)
    /// that never reached the database, by reason. Read from the writer's counters at each collection.
    /// </summary>
    public static void ObserveAuditWriter(IMeterFactory meters, GroupCommitWriter writer) =>
        meters.Create(MeterName).CreateObservableCounter("authserver.audit.events.lost", () => new[]
        {
            new Measurement<long>(writer.DroppedAuditEvents, new KeyValuePair<string, object?>("reason", "queue_full")),
            new Measurement<long>(writer.LostAuditEvents, new KeyValuePair<string, object?>("reason", "write_failed")),
        }, "{event}", "Audit events written without waiting that were not stored");

    /// <summary>An access token, and the refresh and ID tokens issued with it.</summary>
    public void TokensIssued(string grant, string accessTokenFormat, string clientId, bool refreshToken, bool idToken)
    {
        Issued("access_token", grant, accessTokenFormat, clientId);
        if (refreshToken)
        {
            Issued("refresh_token", grant, "opaque", clientId);
        }

        if (idToken)
        {
            Issued("id_token", grant, "jwt", clientId);
        }
    }

    public void AuthorizationCodeIssued(string clientId) => _codes.Add(1, new KeyValuePair<string, object?>("client", clientId));

    public void ProtocolError(string path, string error) =>
        _errors.Add(1, new("endpoint", KnownEndpoints.TryGetValue(path, out var known) ? known : "other"), new("error", error));

    public void Introspected(string callerId, bool active) =>
        _introspections.Add(1, new("caller", callerId), new("active", active));

    public void Revoked(string clientId, bool found) =>
        _revocations.Add(1, new("client", clientId), new("revoked", found));

    public void AbuseSignal(string signal) => _signals.Add(1, new KeyValuePair<string, object?>("signal", signal));

    /// <summary>A request refused by the rate limiter's <paramref name="policy"/> (docs/rate-limits.md).</summary>
    public void RateLimited(string policy) => _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("policy", policy));

    /// <summary>A failed sign-in step: <paramref name="step"/> password or mfa; <paramref name="reason"/> from a closed set.</summary>
    public void LoginFailed(string step, string reason) => _loginFailures.Add(1, new("step", step), new("reason", reason));

    private void Issued(string tokenType, string grant, string format, string clientId) =>
        _issued.Add(1, new("token_type", tokenType), new("grant", grant), new("format", format), new("client", clientId));

    private static IEnumerable<Measurement<double>> KeyAges(SigningKeyRing ring, DateTimeOffset now)
    {
        foreach (var algorithm in SigningAlgorithms.All)
        {
            if (ring.ActiveFor(algorithm) is { ActivatedAt: { } activated })
            {
                yield return new Measurement<double>(
                    Math.Max(0, (now - activated).TotalSeconds), new KeyValuePair<string, object?>("algorithm", algorithm));
            }
        }
    }
}
