using System.Net.Http.Headers;
using AuthServer.Configuration;
using AuthServer.Http;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Introspection;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using AuthServer.Signals;

namespace AuthServer.Endpoints;

/// <summary>
/// GET /connect/phantom: introspection shaped for a gateway's sub-request (nginx auth_request). The gateway
/// authenticates with its own client credentials (HTTP Basic) and forwards the caller's Authorization header as
/// X-Access-Token. An active token → 200 with the phantom JWT in X-Phantom-Token and a max-age the gateway may cache
/// it for; anything else → 401, never cacheable. See deploy/nginx/ and docs/gateway.md.
/// </summary>
public static class PhantomTokenEndpoint
{
    public const string Path = "/connect/phantom";
    public const string TokenHeader = "X-Access-Token";
    public const string PhantomHeader = "X-Phantom-Token";

    public static async Task HandleAsync(
        HttpContext http, ClientAuthenticator clients, TokenIntrospector introspector, IntrospectionResponse responses,
        IResourceStore resources, AuthServerOptions options, AuthServerMetrics metrics, TimeProvider time,
        AbuseSignals signals)
    {
        // 1. The gateway itself, with the same rules as any introspection caller (RFC 7662 §2.1).
        var (gateway, _) = await clients.AuthenticateAsync(
            ClientCredentialsReader.From(http.Request, ProtocolParameters.Parse([])), allowPublic: false, http.RequestAborted);

        // 2. The bearer token the gateway received (RFC 6750 §2.1), exactly one.
        var forwarded = http.Request.Headers[TokenHeader];
        if (forwarded.Count != 1
            || !AuthenticationHeaderValue.TryParse(forwarded.ToString(), out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(header.Parameter))
        {
            Refuse(http.Response, forwarded.Count == 0 ? null : "The request carries no valid bearer token.");
            return;
        }

        // 3. Active, and meant for an API this gateway fronts; else the same answer as for garbage.
        var record = await introspector.IntrospectAsync(gateway, header.Parameter, http.RequestAborted);
        metrics.Introspected(gateway.ClientId, record is not null);
        if (record is null)
        {
            signals.InactiveIntrospection(gateway.ClientId, RequestSource.Of(http));
            Refuse(http.Response, "The access token is not valid.");
            return;
        }

        // 4. The phantom JWT, cacheable for the configured bound but never beyond the token's own expiry.
        var catalog = await resources.GetCatalogAsync(http.RequestAborted);
        var remaining = record.ExpiresAt - time.GetUtcNow();
        var maxAge = (long)Math.Floor(Math.Min(options.Gateway.PhantomCacheLifetime.TotalSeconds, remaining.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.Headers[PhantomHeader] = responses.WritePhantom(record, gateway.IntrospectionApis, catalog);
        http.Response.Headers.CacheControl = maxAge > 0 ? $"private, max-age={maxAge}" : "no-store";
        http.Response.ContentLength = 0;
    }

    /// <summary>RFC 6750 §3: 401 with a Bearer challenge; never cached, so a token that turns valid is not held back.</summary>
    private static void Refuse(HttpResponse response, string? description)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = description is null
            ? "Bearer realm=\"authserver\""
            : $"Bearer realm=\"authserver\", error=\"invalid_token\", error_description=\"{description}\"";
        ProtocolResults.NoStore(response);
        response.ContentLength = 0;
    }
}
