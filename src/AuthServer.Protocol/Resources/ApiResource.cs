using AuthServer.Protocol.Claims;

namespace AuthServer.Protocol.Resources;

/// <summary>An API: an audience for access tokens, with the scopes it accepts.</summary>
/// <param name="Name">The API's identifier, an absolute URI (RFC 8707 §2); it is the token's <c>aud</c>.</param>
/// <param name="SigningAlgorithm">The JWS algorithm the API validates: ES256 (default) or RS256.</param>
/// <param name="Internal">
/// An API inside the network that validates JWTs itself: a token made for it by token exchange is a JWT,
/// whatever the exchanging client's format.
/// </param>
public sealed record ApiResource(
    string Name,
    string? DisplayName,
    IReadOnlySet<string> Scopes,
    string SigningAlgorithm,
    bool Enabled = true,
    bool Internal = false);

/// <summary>A scope, and the claim types it releases.</summary>
public sealed record ScopeDefinition(string Name, string? Description)
{
    public IReadOnlyList<string> Claims { get; init; } = [];
}

/// <summary>A consistent snapshot of all APIs, scopes and claim types.</summary>
public sealed class ResourceCatalog
{
    private static readonly ScopeDefinition NoClaims = new("", null);

    public ResourceCatalog(IEnumerable<ApiResource> apis, IEnumerable<ScopeDefinition> scopes, IEnumerable<ClaimType>? claimTypes = null)
    {
        Apis = apis.ToDictionary(a => a.Name, StringComparer.Ordinal);
        Scopes = scopes.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var types = StandardClaims.Types.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var type in claimTypes ?? [])
        {
            types[type.Name] = type;
        }

        ClaimTypes = types;
        _apiScopes = Apis.Values.SelectMany(a => a.Scopes).ToHashSet(StringComparer.Ordinal);
        ReleasesAnyClaim = _apiScopes.Any(s => ClaimsReleasedBy(s).Count > 0);
    }

    private readonly HashSet<string> _apiScopes;

    public IReadOnlyDictionary<string, ApiResource> Apis { get; }

    public IReadOnlyDictionary<string, ScopeDefinition> Scopes { get; }

    /// <summary>The standard OpenID Connect claim types and those defined in the store.</summary>
    public IReadOnlyDictionary<string, ClaimType> ClaimTypes { get; }

    /// <summary>False when no API scope releases a claim: then access tokens carry none and need no lookup.</summary>
    public bool ReleasesAnyClaim { get; }

    /// <summary>The claim types a scope releases: the standard ones for the identity scopes, else the store's mapping.</summary>
    public IReadOnlyList<string> ClaimsReleasedBy(string scope) =>
        StandardClaims.ByIdentityScope.TryGetValue(scope, out var standard)
            ? standard
            : (Scopes.GetValueOrDefault(scope) ?? NoClaims).Claims;

    /// <summary>The algorithm the first known API among <paramref name="audiences"/> accepts, or the default one.</summary>
    public string SigningAlgorithmFor(IEnumerable<string> audiences) =>
        audiences.Select(a => Apis.GetValueOrDefault(a)?.SigningAlgorithm).OfType<string>().FirstOrDefault()
        ?? Keys.SigningAlgorithms.Default;

    /// <summary>
    /// A scope some API accepts: its claims go into access tokens for that API. Any other scope (the built-in OpenID
    /// Connect ones, or a store scope no API lists) is an identity scope: its claims go to ID tokens and userinfo.
    /// </summary>
    public bool IsApiScope(string scope) => _apiScopes.Contains(scope);
}

public interface IResourceStore
{
    ValueTask<ResourceCatalog> GetCatalogAsync(CancellationToken cancellationToken);
}
