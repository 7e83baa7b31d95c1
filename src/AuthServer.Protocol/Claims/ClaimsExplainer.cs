using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Claims;

/// <summary>One claim a token would carry, or a released type the subject holds no value for (Values empty).</summary>
public sealed record ExplainedClaim(string Name, IReadOnlyList<string> Values, string ReleasedBy, bool Sensitive);

/// <summary>What each kind of token would carry for a request, and why.</summary>
public sealed record ClaimsExplanation(
    IReadOnlyList<string> GrantedScopes,
    IReadOnlyList<string> Audiences,
    string SigningAlgorithm,
    AccessTokenFormat Format,
    IReadOnlyList<ExplainedClaim> AccessToken,
    IReadOnlyList<ExplainedClaim>? IdToken,
    IReadOnlyList<ExplainedClaim>? UserInfo);

/// <summary>
/// `authserver explain` (and the admin UI's preview): runs a request through the same scope policy and claims
/// resolver as the token endpoint, without issuing anything.
/// </summary>
public static class ClaimsExplainer
{
    /// <param name="userValues">The user's claim values; null when the subject is the client itself (client_credentials).</param>
    public static ClaimsExplanation Explain(
        ResourceCatalog catalog, Client client, IReadOnlyList<ClaimValue>? userValues, string scope, IReadOnlyList<string> resources)
    {
        var requested = ScopePolicy.ParseScope(scope);
        var identity = requested.Where(s => !catalog.IsApiScope(s)).ToList();
        var refused = identity.FirstOrDefault(s => !client.AllowedScopes.Contains(s)
            || (!IdentityScopes.All.Contains(s) && !catalog.Scopes.ContainsKey(s)));
        if (refused is not null)
        {
            throw new OAuthException(OAuthErrorCode.InvalidScope, $"The scope '{refused}' is not allowed for this client.");
        }

        if (userValues is null && identity.Count > 0)
        {
            throw new OAuthException(OAuthErrorCode.InvalidScope,
                "Identity scopes need a user: pass --user, or leave them out for a client_credentials token.");
        }

        var apiScopes = requested.Where(catalog.IsApiScope).ToList();
        var access = apiScopes.Count > 0 || resources.Count > 0
            ? ScopePolicy.Resolve(client, string.Join(' ', apiScopes), resources, catalog)
            : new GrantedAccess([], [], Keys.SigningAlgorithms.Default);
        var granted = identity.Concat(access.Scopes).ToList();
        var values = userValues ?? client.Claims;

        var accessClaims = access.Audiences
            .SelectMany(a => Explained(catalog, access.Scopes.Where(catalog.Apis[a].Scopes.Contains), values, true))
            .DistinctBy(c => c.Name).ToList();
        var openId = userValues is not null && granted.Contains(IdentityScopes.OpenId);
        var identityScopes = granted.Where(s => !catalog.IsApiScope(s)).ToList();
        return new ClaimsExplanation(granted, access.Audiences, access.SigningAlgorithm, client.AccessTokenFormat, accessClaims,
            openId ? Explained(catalog, identityScopes, values, includeSensitive: false) : null,
            openId ? Explained(catalog, identityScopes, values, includeSensitive: true) : null);
    }

    private static List<ExplainedClaim> Explained(
        ResourceCatalog catalog, IEnumerable<string> scopes, IReadOnlyList<ClaimValue> values, bool includeSensitive) =>
        ClaimsResolver.Released(catalog, scopes, includeSensitive)
            .Select(r => new ExplainedClaim(
                r.Type.Name, values.Where(v => v.Type == r.Type.Name).Select(v => v.Value).ToList(), r.Scope, r.Type.Sensitive))
            .ToList();
}
