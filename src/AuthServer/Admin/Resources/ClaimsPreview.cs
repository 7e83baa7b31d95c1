using AuthServer.Data;
using AuthServer.Data.Stores;
using AuthServer.Data.Users;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Admin.Resources;

/// <param name="UserName">The user signing in; without one the client is the subject (client_credentials).</param>
/// <param name="Api">The API (audience, RFC 8707 resource) the access token is for; without one, the APIs that accept the scopes.</param>
public sealed record ExplainRequest(string? ClientId, string? UserName, List<string?>? Scopes, string? Api);

/// <summary>What each token would carry; <paramref name="NotReleased"/> says why a claim would not reach a token.</summary>
public sealed record ExplainResponse(
    string ClientId, string Subject, IReadOnlyList<string> GrantedScopes, IReadOnlyList<string> Audiences, string AccessTokenFormat,
    string SigningAlgorithm, IReadOnlyList<ExplainedToken> Tokens, IReadOnlyList<WithheldClaim> NotReleased);

/// <param name="Token">access_token, id_token or userinfo.</param>
/// <param name="Api">For an access token: the audience whose introspection answer shows these claims.</param>
/// <param name="Always">The claims the server itself always asserts in this token.</param>
public sealed record ExplainedToken(string Token, string? Api, IReadOnlyList<string> Always, IReadOnlyList<ExplainedClaimView> Claims);

/// <param name="Values">Null for a sensitive claim: explain never shows those values.</param>
public sealed record ExplainedClaimView(string Name, IReadOnlyList<string>? Values, string ReleasedBy, bool Sensitive);

/// <summary>
/// The admin UI's and API's claims preview: the same as `authserver explain`, read fresh from the database (not the
/// caches), so it shows what a token issued once the caches have caught up would carry.
/// </summary>
public sealed class ClaimsPreview(AuthServerDatabase database, TimeProvider time)
{
    private static readonly CacheSettings NoCache = new(TimeSpan.Zero, TimeSpan.Zero);

    public async Task<(ExplainResponse? Result, IReadOnlyList<(string Field, string Message)> Errors)> ExplainAsync(
        ExplainRequest request, CancellationToken ct)
    {
        var scopes = (request.Scopes ?? []).OfType<string>().SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.ClientId))
        {
            errors.Add(("clientId", "is required"));
        }

        if (scopes.Count == 0)
        {
            errors.Add(("scopes", "list at least one scope"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var client = await new ClientStore(database, NoCache, time).FindAsync(request.ClientId!.Trim(), ct);
        if (client is null)
        {
            return (null, [("clientId", $"there is no client '{request.ClientId}'")]);
        }

        IReadOnlyList<ClaimValue>? userValues = null;
        var subject = $"{client.ClientId} (the client itself)";
        if (!string.IsNullOrWhiteSpace(request.UserName))
        {
            var userId = await FindUserIdAsync(request.UserName.Trim(), ct);
            if (userId is null)
            {
                return (null, [("userName", $"there is no user '{request.UserName}'")]);
            }

            userValues = await new UserClaimStore(database).GetAsync(userId, ct);
            subject = $"{request.UserName.Trim()} (user {userId})";
        }

        var catalog = await new ResourceStore(database, NoCache, time).GetCatalogAsync(ct);
        try
        {
            var api = string.IsNullOrWhiteSpace(request.Api) ? [] : new[] { request.Api.Trim() };
            var x = ClaimsExplainer.Explain(catalog, client, userValues, string.Join(' ', scopes), api);
            return (View(client, subject, x), []);
        }
        catch (OAuthException e)
        {
            var field = e.Code == OAuthErrorCode.InvalidTarget ? "api" : "scopes";
            return (null, [(field, $"the token endpoint would refuse this request: {e.Code.WireName()}: {e.Description}")]);
        }
    }

    private async Task<string?> FindUserIdAsync(string userName, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var normalized = new UpperInvariantLookupNormalizer().NormalizeName(userName);
        return await db.Users.Where(u => u.NormalizedUserName == normalized).Select(u => u.Id).SingleOrDefaultAsync(ct);
    }

    private static ExplainResponse View(Client client, string subject, ClaimsExplanation x)
    {
        var tokens = x.AccessTokenByApi
            .Select(a => new ExplainedToken("access_token", a.Api, ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"], Held(a.Claims)))
            .ToList();
        if (x.IdToken is not null)
        {
            tokens.Add(new ExplainedToken("id_token", null,
                ["iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "acr", "amr", "at_hash", "nonce (when sent)", "sid"], Held(x.IdToken)));
        }

        if (x.UserInfo is not null)
        {
            tokens.Add(new ExplainedToken("userinfo", null, ["sub"], Held(x.UserInfo)));
        }

        var format = x.Format == AccessTokenFormat.Jwt ? "jwt" : "opaque";
        return new ExplainResponse(client.ClientId, subject, x.GrantedScopes, x.Audiences, format, x.SigningAlgorithm, tokens, x.Withheld);
    }

    private static List<ExplainedClaimView> Held(IReadOnlyList<ExplainedClaim> claims) => claims.Where(c => c.Values.Count > 0)
        .Select(c => new ExplainedClaimView(c.Name, c.Sensitive ? null : c.Values, c.ReleasedBy, c.Sensitive)).ToList();
}
