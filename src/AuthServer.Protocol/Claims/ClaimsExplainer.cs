using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Claims;

/// <summary>One claim a token would carry, or a released type the subject holds no value for (Values empty).</summary>
public sealed record ExplainedClaim(string Name, IReadOnlyList<string> Values, string ReleasedBy, bool Sensitive);

/// <summary>The claims from the store that an access token's introspection answer shows for one audience.</summary>
public sealed record ApiClaims(string Api, IReadOnlyList<ExplainedClaim> Claims);

/// <summary>A claim that does not reach a token (<paramref name="Token"/>), and why.</summary>
public sealed record WithheldClaim(string Name, string Token, string Reason);

/// <summary>What each kind of token would carry for a request, and why.</summary>
public sealed record ClaimsExplanation(
    IReadOnlyList<string> GrantedScopes,
    IReadOnlyList<string> Audiences,
    string SigningAlgorithm,
    AccessTokenFormat Format,
    IReadOnlyList<ExplainedClaim> AccessToken,
    IReadOnlyList<ExplainedClaim>? IdToken,
    IReadOnlyList<ExplainedClaim>? UserInfo)
{
    /// <summary>The access token's store claims per audience (a JWT carries their union, <see cref="AccessToken"/>).</summary>
    public IReadOnlyList<ApiClaims> AccessTokenByApi { get; init; } = [];

    /// <summary>Claims released but held by no value, kept out of a token, or held but released by no granted scope.</summary>
    public IReadOnlyList<WithheldClaim> Withheld { get; init; } = [];
}

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

        var byApi = access.Audiences
            .Select(a => new ApiClaims(a, Explained(catalog, access.Scopes.Where(catalog.Apis[a].Scopes.Contains), values, true)))
            .ToList();
        var accessClaims = byApi.SelectMany(a => a.Claims).DistinctBy(c => c.Name).ToList();
        var openId = userValues is not null && granted.Contains(IdentityScopes.OpenId);
        var identityScopes = granted.Where(s => !catalog.IsApiScope(s)).ToList();
        var idToken = openId ? Explained(catalog, identityScopes, values, includeSensitive: false) : null;
        var userInfo = openId ? Explained(catalog, identityScopes, values, includeSensitive: true) : null;
        return new ClaimsExplanation(granted, access.Audiences, access.SigningAlgorithm, client.AccessTokenFormat, accessClaims,
            idToken, userInfo)
        {
            AccessTokenByApi = byApi,
            Withheld = Withheld(catalog, byApi, idToken, userInfo, values, identityScopes.Count > 0 && userValues is not null && !openId),
        };
    }

    /// <summary>Why a claim is not in a token: the answers an admin asks for when a claim is missing.</summary>
    private static List<WithheldClaim> Withheld(ResourceCatalog catalog, List<ApiClaims> byApi, List<ExplainedClaim>? idToken,
        List<ExplainedClaim>? userInfo, IReadOnlyList<ClaimValue> values, bool identityWithoutOpenId)
    {
        var withheld = new List<WithheldClaim>();
        foreach (var api in byApi)
        {
            var token = $"access token for {api.Api}";
            withheld.AddRange(api.Claims.Where(c => c.Values.Count == 0)
                .Select(c => new WithheldClaim(c.Name, token, $"released by '{c.ReleasedBy}', but the subject holds no value")));
            withheld.AddRange(byApi.Where(other => other != api).SelectMany(other => other.Claims)
                .Where(c => api.Claims.All(mine => mine.Name != c.Name)).DistinctBy(c => c.Name)
                .Select(c => new WithheldClaim(c.Name, token, $"this API does not accept '{c.ReleasedBy}', the scope that releases it")));
        }

        foreach (var (section, token) in new[] { (idToken, "ID token"), (userInfo, "userinfo") })
        {
            withheld.AddRange((section ?? []).Where(c => c.Values.Count == 0)
                .Select(c => new WithheldClaim(c.Name, token, $"released by '{c.ReleasedBy}', but the subject holds no value")));
        }

        // OpenID Connect Core §5.4 lets claims go to the ID token; sensitive ones stay on back channels.
        withheld.AddRange((userInfo ?? []).Where(c => c.Sensitive && c.Values.Count > 0)
            .Select(c => new WithheldClaim(c.Name, "ID token", "sensitive: never in an ID token, which passes through the browser; userinfo has it")));
        if (identityWithoutOpenId)
        {
            withheld.Add(new WithheldClaim("*", "ID token and userinfo", "'openid' was not requested: there is no ID token and no userinfo"));
        }

        var released = byApi.SelectMany(a => a.Claims).Concat(userInfo ?? []).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var type in values.Select(v => v.Type).Distinct(StringComparer.Ordinal).Where(t => !released.Contains(t)))
        {
            var releasers = catalog.Scopes.Keys.Concat(StandardClaims.ByIdentityScope.Keys)
                .Where(s => catalog.ClaimsReleasedBy(s).Contains(type)).Order(StringComparer.Ordinal).ToList();
            var reason = !catalog.ClaimTypes.ContainsKey(type) || StandardClaims.Reserved.Contains(type)
                ? "held, but no claim type of this name is defined"
                : releasers.Count == 0
                    ? "held, but no scope releases this claim type"
                    : $"held, but no granted scope releases it (released by {string.Join(", ", releasers.Select(r => $"'{r}'"))})";
            withheld.Add(new WithheldClaim(type, "any token", reason));
        }

        return withheld;
    }

    private static List<ExplainedClaim> Explained(
        ResourceCatalog catalog, IEnumerable<string> scopes, IReadOnlyList<ClaimValue> values, bool includeSensitive) =>
        ClaimsResolver.Released(catalog, scopes, includeSensitive)
            .Select(r => new ExplainedClaim(
                r.Type.Name, values.Where(v => v.Type == r.Type.Name).Select(v => v.Value).ToList(), r.Scope, r.Type.Sensitive))
            .ToList();
}
