namespace AuthServer.Protocol.Resources;

/// <summary>An API: an audience for access tokens, with the scopes it accepts.</summary>
/// <param name="Name">The API's identifier, an absolute URI (RFC 8707 §2); it is the token's <c>aud</c>.</param>
/// <param name="SigningAlgorithm">The JWS algorithm the API validates: ES256 (default) or RS256.</param>
public sealed record ApiResource(
    string Name,
    string? DisplayName,
    IReadOnlySet<string> Scopes,
    string SigningAlgorithm,
    bool Enabled = true);

public sealed record ScopeDefinition(string Name, string? Description);

/// <summary>A consistent snapshot of all APIs and scopes.</summary>
public sealed class ResourceCatalog
{
    public ResourceCatalog(IEnumerable<ApiResource> apis, IEnumerable<ScopeDefinition> scopes)
    {
        Apis = apis.ToDictionary(a => a.Name, StringComparer.Ordinal);
        Scopes = scopes.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, ApiResource> Apis { get; }

    public IReadOnlyDictionary<string, ScopeDefinition> Scopes { get; }

    /// <summary>The algorithm the first known API among <paramref name="audiences"/> accepts, or the default one.</summary>
    public string SigningAlgorithmFor(IEnumerable<string> audiences) =>
        audiences.Select(a => Apis.GetValueOrDefault(a)?.SigningAlgorithm).OfType<string>().FirstOrDefault()
        ?? Keys.SigningAlgorithms.Default;
}

public interface IResourceStore
{
    ValueTask<ResourceCatalog> GetCatalogAsync(CancellationToken cancellationToken);
}
