using System.Net.Http.Headers;
using AuthServer.Http;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Tokens;
using AuthServer.Protocol.Users;

namespace AuthServer.Endpoints;

/// <summary>
/// GET or POST /connect/userinfo (OpenID Connect Core §5.3) with a bearer access token of either format
/// (RFC 6750: header, or form body on POST). Errors are RFC 6750 §3 challenges. Claims follow the granted scopes.
/// </summary>
public static class UserInfoEndpoint
{
    public const string Path = "/connect/userinfo";

    public static async Task HandleAsync(HttpContext http, TokenLocator tokens, IUserDirectory users, ClaimsService claims, TimeProvider time)
    {
        // 1. The bearer token, from exactly one place.
        var (token, problem) = await ReadBearerAsync(http.Request);
        if (problem is not null)
        {
            await ChallengeAsync(http, StatusCodes.Status400BadRequest, "invalid_request", problem);
            return;
        }

        if (token is null)
        {
            await ChallengeAsync(http, StatusCodes.Status401Unauthorized, null, null);
            return;
        }

        // 2. An active access token (an ID token or a refresh token is not one) for a person, with openid.
        var record = await tokens.FindAsync(token, checkLifetime: true, http.RequestAborted);
        if (record is null || record.Kind != TokenKind.AccessToken || !record.IsActiveAt(time.GetUtcNow()))
        {
            await ChallengeAsync(http, StatusCodes.Status401Unauthorized, "invalid_token", "The access token is not valid.");
            return;
        }

        if (!record.Scopes.Contains(IdentityScopes.OpenId))
        {
            await ChallengeAsync(http, StatusCodes.Status403Forbidden, "insufficient_scope", "The access token was not granted the openid scope.");
            return;
        }

        var user = await users.FindAsync(record.Subject, http.RequestAborted);
        if (user is null || !user.CanSignIn)
        {
            await ChallengeAsync(http, StatusCodes.Status401Unauthorized, "invalid_token", "The access token is not valid.");
            return;
        }

        // 3. The claims store's values that its identity scopes release (Core §5.3.2), sensitive ones included:
        // userinfo answers over a back channel to the holder of the access token.
        var released = await claims.ForIdentityAsync(user.Subject, record.Scopes, includeSensitive: true, http.RequestAborted);
        await ProtocolResults.WriteJsonAsync(http.Response, StatusCodes.Status200OK, w =>
        {
            w.WriteString("sub", user.Subject);
            ClaimsResolver.WriteMembers(w, released);
        });
    }

    private static async Task<(string? Token, string? Problem)> ReadBearerAsync(HttpRequest request)
    {
        string? fromHeader = null;
        if (request.Headers.Authorization.Count > 0)
        {
            if (request.Headers.Authorization.Count > 1
                || !AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
                || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
                || string.IsNullOrEmpty(header.Parameter))
            {
                return (null, "The Authorization header must be 'Bearer <access token>'.");
            }

            fromHeader = header.Parameter;
        }

        string? fromBody = null;
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await ProtocolForm.ReadAsync(request);
            fromBody = form.Get("access_token");
        }

        // RFC 6750 §2: a client must not use more than one method in a request.
        return fromHeader is not null && fromBody is not null
            ? (null, "The access token must be sent in one place only.")
            : (fromHeader ?? fromBody, null);
    }

    /// <summary>RFC 6750 §3: the challenge, and the same error in a JSON body.</summary>
    private static async Task ChallengeAsync(HttpContext http, int status, string? error, string? description)
    {
        var challenge = "Bearer realm=\"authserver\"";
        if (error is not null)
        {
            challenge += $", error=\"{error}\", error_description=\"{description}\"";
        }

        http.Response.Headers.WWWAuthenticate = challenge;
        if (error is null)
        {
            http.Response.StatusCode = status;
            ProtocolResults.NoStore(http.Response);
            return;
        }

        await ProtocolResults.WriteJsonAsync(http.Response, status, w =>
        {
            w.WriteString("error", error);
            w.WriteString("error_description", description);
        });
    }
}
