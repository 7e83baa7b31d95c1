using AuthServer.Http;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;

namespace AuthServer.Endpoints;

/// <summary>POST /connect/token (RFC 6749 §3.2).</summary>
public static class TokenEndpoint
{
    public const string Path = "/connect/token";

    public static async Task HandleAsync(HttpContext http, ClientAuthenticator clients, GrantHandlers grants, AuthServerMetrics metrics)
    {
        var parameters = await ProtocolForm.ReadAsync(http.Request);

        var (client, _) = await clients.AuthenticateAsync(
            ClientCredentialsReader.From(http.Request, parameters), allowPublic: true, http.RequestAborted);

        var grantType = parameters.Require("grant_type");
        var handler = grants.Find(grantType)
            ?? throw new OAuthException(OAuthErrorCode.UnsupportedGrantType, "The grant type is not supported.");
        if (!client.GrantTypes.Contains(grantType))
        {
            throw new OAuthException(OAuthErrorCode.UnauthorizedClient, "The client is not allowed to use this grant type.");
        }

        var response = await handler.HandleAsync(client, parameters, http.RequestAborted);

        // The format actually issued (a token exchange may issue a JWT for an opaque client): an RFC 9068 JWT is three
        // dot-separated parts, an opaque handle has no dot.
        var format = response.AccessToken.Contains('.', StringComparison.Ordinal) ? "jwt" : "opaque";
        metrics.TokensIssued(grantType, format, client.ClientId, response.RefreshToken is not null, response.IdToken is not null);
        await ProtocolResults.WriteJsonAsync(http.Response, StatusCodes.Status200OK, w =>
        {
            w.WriteString("access_token", response.AccessToken);
            if (response.IssuedTokenType is not null)
            {
                w.WriteString("issued_token_type", response.IssuedTokenType);
            }

            w.WriteString("token_type", response.TokenType);
            w.WriteNumber("expires_in", response.ExpiresIn);
            w.WriteString("scope", response.Scope);
            if (response.IdToken is not null)
            {
                w.WriteString("id_token", response.IdToken);
            }

            if (response.RefreshToken is not null)
            {
                w.WriteString("refresh_token", response.RefreshToken);
            }
        });
    }
}
