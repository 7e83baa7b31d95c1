using AuthServer.Http;
using AuthServer.Protocol;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Introspection;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Endpoints;

/// <summary>POST /connect/introspect (RFC 7662).</summary>
public static class IntrospectionEndpoint
{
    public const string Path = "/connect/introspect";

    public static async Task HandleAsync(
        HttpContext http, ClientAuthenticator clients, TokenIntrospector introspector, ProtocolSettings settings, AuthServerMetrics metrics)
    {
        var parameters = await ProtocolForm.ReadAsync(http.Request);

        // RFC 7662 §2.1: the caller authenticates; public clients cannot introspect.
        var (caller, _) = await clients.AuthenticateAsync(
            ClientCredentialsReader.From(http.Request, parameters), allowPublic: false, http.RequestAborted);

        var token = parameters.Require("token");

        // token_type_hint is only a hint (§2.1): both formats are tried whatever it says.
        var record = await introspector.IntrospectAsync(caller, token, http.RequestAborted);

        metrics.Introspected(caller.ClientId, record is not null);
        await ProtocolResults.WriteJsonAsync(http.Response, StatusCodes.Status200OK, w =>
        {
            // §2.2: an inactive token gets nothing but "active": false.
            w.WriteBoolean("active", record is not null);
            if (record is null)
            {
                return;
            }

            w.WriteString("scope", string.Join(' ', record.Scopes));
            w.WriteString("client_id", record.ClientId);
            w.WriteString("sub", record.Subject);
            AudienceJson.Write(w, record.Audiences);

            w.WriteString("iss", settings.Issuer);
            w.WriteNumber("exp", record.ExpiresAt.ToUnixTimeSeconds());
            w.WriteNumber("iat", record.IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("nbf", record.IssuedAt.ToUnixTimeSeconds());
            w.WriteString("token_type", "Bearer");
            w.WriteString("jti", record.Jti);
        });
    }
}
