using AuthServer.Http;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Introspection;
using AuthServer.Protocol.Resources;
using AuthServer.Signals;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Endpoints;

/// <summary>
/// POST /connect/introspect (RFC 7662). The Accept header picks the answer's shape: JSON (default), an RFC 9701
/// signed JWT response (application/token-introspection+jwt), or the phantom token (application/jwt).
/// </summary>
public static class IntrospectionEndpoint
{
    public const string Path = "/connect/introspect";
    public const string JwtResponseMediaType = "application/token-introspection+jwt";
    public const string PhantomMediaType = "application/jwt";

    private enum Shape
    {
        Json,
        JwtResponse,
        Phantom,
    }

    public static async Task HandleAsync(
        HttpContext http, ClientAuthenticator clients, TokenIntrospector introspector, IntrospectionResponse responses,
        IResourceStore resources, AuthServerMetrics metrics, AbuseSignals signals)
    {
        var parameters = await ProtocolForm.ReadAsync(http.Request);

        // RFC 7662 §2.1: the caller authenticates; public clients cannot introspect.
        var (caller, _) = await clients.AuthenticateAsync(
            ClientCredentialsReader.From(http.Request, parameters), allowPublic: false, http.RequestAborted);

        var token = parameters.Require("token");

        // token_type_hint is only a hint (§2.1): both formats are tried whatever it says.
        var record = await introspector.IntrospectAsync(caller, token, http.RequestAborted);
        metrics.Introspected(caller.ClientId, record is not null);
        if (record is null)
        {
            signals.InactiveIntrospection(caller.ClientId, RequestSource.Of(http));
        }

        switch (Negotiate(http.Request))
        {
            case Shape.JwtResponse:
                // RFC 9701 §5: inactive tokens get a signed answer too, with "active": false inside.
                await WriteJwtAsync(http.Response, JwtResponseMediaType, responses.WriteJwtResponse(caller.ClientId, record, caller.IntrospectionApis));
                return;

            case Shape.Phantom when record is null:
                // Nothing to represent: no JWT, no body.
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                ProtocolResults.NoStore(http.Response);
                return;

            case Shape.Phantom:
                var catalog = await resources.GetCatalogAsync(http.RequestAborted);
                await WriteJwtAsync(http.Response, PhantomMediaType, responses.WritePhantom(record, caller.IntrospectionApis, catalog));
                return;

            default:
                await ProtocolResults.WriteJsonAsync(http.Response, StatusCodes.Status200OK,
                    w => responses.WriteMembers(w, record, caller.IntrospectionApis));
                return;
        }
    }

    /// <summary>The most preferred shape the Accept header names; JSON when it names none of ours (or is absent).</summary>
    private static Shape Negotiate(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        foreach (var type in accept.Where(a => a.Quality is not 0).OrderByDescending(a => a.Quality ?? 1))
        {
            if (type.MediaType.Equals(JwtResponseMediaType, StringComparison.OrdinalIgnoreCase))
            {
                return Shape.JwtResponse;
            }

            if (type.MediaType.Equals(PhantomMediaType, StringComparison.OrdinalIgnoreCase))
            {
                return Shape.Phantom;
            }

            if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.MatchesAllTypes
                || type.MatchesAllSubTypes)
            {
                return Shape.Json;
            }
        }

        return Shape.Json;
    }

    private static Task WriteJwtAsync(HttpResponse response, string mediaType, string jwt)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = mediaType;
        response.ContentLength = System.Text.Encoding.ASCII.GetByteCount(jwt);
        ProtocolResults.NoStore(response);
        return response.WriteAsync(jwt);
    }
}
