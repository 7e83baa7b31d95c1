using System.Text.Json;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Claims;

/// <summary>The claim values held for people: the store's values, plus what their account records (username, email).</summary>
public interface IUserClaimStore
{
    ValueTask<IReadOnlyList<ClaimValue>> GetAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>Reads the claims store once per token and picks what the granted scopes release.</summary>
public sealed class ClaimsService(IResourceStore resources, IUserClaimStore users, IClientStore clients)
{
    /// <summary>
    /// The claims an access token for <paramref name="audiences"/> carries. Values are only read when a granted
    /// scope releases a claim, so a token without any costs no lookup.
    /// </summary>
    public async ValueTask<TokenClaims?> ForAccessTokenAsync(
        SubjectKind kind, string subject, IReadOnlyList<string> scopes, IReadOnlyList<string> audiences, JsonElement? act,
        CancellationToken cancellationToken)
    {
        var catalog = await resources.GetCatalogAsync(cancellationToken);
        if (!catalog.ReleasesAnyClaim || !ClaimsResolver.ReleasesAny(catalog, scopes.Where(catalog.IsApiScope)))
        {
            return act is null ? null : TokenClaims.Create(new Dictionary<string, List<ResolvedClaim>>(), act);
        }

        var values = await ValuesAsync(kind, subject, cancellationToken);
        var byAudience = audiences.Distinct(StringComparer.Ordinal)
            .ToDictionary(a => a, a => ClaimsResolver.ForApi(catalog, scopes, a, values), StringComparer.Ordinal);
        return TokenClaims.Create(byAudience, act);
    }

    /// <summary>The claims for an ID token (without sensitive ones) or for userinfo (with them).</summary>
    public async ValueTask<List<ResolvedClaim>> ForIdentityAsync(
        string userId, IReadOnlyList<string> scopes, bool includeSensitive, CancellationToken cancellationToken)
    {
        var catalog = await resources.GetCatalogAsync(cancellationToken);
        if (!ClaimsResolver.ReleasesAny(catalog, scopes.Where(s => !catalog.IsApiScope(s))))
        {
            return [];
        }

        var values = await users.GetAsync(userId, cancellationToken);
        return ClaimsResolver.ForIdentity(catalog, scopes, values, includeSensitive);
    }

    /// <summary>The stored values for a subject: a person's, or a client's own (client_credentials tokens).</summary>
    public async ValueTask<IReadOnlyList<ClaimValue>> ValuesAsync(SubjectKind kind, string subject, CancellationToken cancellationToken) =>
        kind == SubjectKind.Client
            ? (await clients.FindAsync(subject, cancellationToken))?.Claims ?? []
            : await users.GetAsync(subject, cancellationToken);
}
