using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Grants;

/// <summary>What a token may carry: the granted scopes, its audiences and the algorithm the audiences accept.</summary>
public sealed record GrantedAccess(IReadOnlyList<string> Scopes, IReadOnlyList<string> Audiences, string SigningAlgorithm);

/// <summary>
/// Narrows a request to what the client may have: scopes are requested ∩ allowed and never widened;
/// audiences come from <c>resource</c> (RFC 8707) or from the APIs that accept the granted scopes.
/// </summary>
public static class ScopePolicy
{
    public static GrantedAccess Resolve(
        Client client, string? scopeParameter, IReadOnlyList<string> resources, ResourceCatalog catalog)
    {
        var explicitScopes = scopeParameter is not null;
        var requested = explicitScopes ? ParseScope(scopeParameter!) : client.DefaultScopes.Distinct().ToList();

        foreach (var scope in requested)
        {
            if (!client.AllowedScopes.Contains(scope) || !catalog.Scopes.ContainsKey(scope))
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope,
                    $"The scope '{Requests.ProtocolParameters.Printable(scope)}' is not allowed for this client.");
            }
        }

        var targets = ResolveTargets(client, resources, catalog);
        List<string> granted;
        if (targets is not null)
        {
            var accepted = targets.SelectMany(api => api.Scopes).ToHashSet(StringComparer.Ordinal);
            var outside = requested.FirstOrDefault(s => !accepted.Contains(s));
            if (explicitScopes && outside is not null)
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope,
                    $"The scope '{Requests.ProtocolParameters.Printable(outside)}' is not accepted by the requested resource.");
            }

            // Default scopes were not asked for by name: narrow them to what the named resources accept.
            granted = requested.Where(accepted.Contains).ToList();
        }
        else
        {
            granted = requested;
            targets = catalog.Apis.Values
                .Where(api => api.Enabled && client.AllowedApis.Contains(api.Name) && api.Scopes.Overlaps(granted))
                .OrderBy(api => api.Name, StringComparer.Ordinal)
                .ToList();
            var orphan = granted.FirstOrDefault(s => !targets.Any(api => api.Scopes.Contains(s)));
            if (orphan is not null)
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope,
                    $"The scope '{Requests.ProtocolParameters.Printable(orphan)}' does not grant access to any API this client may call.");
            }
        }

        // RFC 6749 §3.3: with no scope requested, use the defaults or fail with invalid_scope.
        if (granted.Count == 0 || targets.Count == 0)
        {
            throw new OAuthException(OAuthErrorCode.InvalidScope,
                "No scope was requested and the client has no default scope for this resource.");
        }

        var algorithms = targets.Select(api => api.SigningAlgorithm).Distinct(StringComparer.Ordinal).ToList();
        if (algorithms.Count > 1)
        {
            throw new OAuthException(OAuthErrorCode.InvalidTarget,
                "The requested resources accept different signing algorithms; request a token for each.");
        }

        return new GrantedAccess(granted, targets.Select(api => api.Name).ToList(),
            algorithms.Count == 1 ? algorithms[0] : SigningAlgorithms.Default);
    }

    /// <summary>RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).</summary>
    public static List<string> ParseScope(string scope)
    {
        var tokens = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var token in tokens)
        {
            if (token.Any(c => c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E))
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope, "The scope parameter is malformed.");
            }
        }

        return tokens.Distinct(StringComparer.Ordinal).ToList();
    }

    private static List<ApiResource>? ResolveTargets(Client client, IReadOnlyList<string> resources, ResourceCatalog catalog)
    {
        if (resources.Count == 0)
        {
            return null;
        }

        var targets = new List<ApiResource>();
        foreach (var resource in resources.Distinct(StringComparer.Ordinal))
        {
            // RFC 8707 §2: the value must be an absolute URI without a fragment.
            if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0 || resource.Contains('#'))
            {
                throw new OAuthException(OAuthErrorCode.InvalidTarget, "The resource parameter must be an absolute URI without a fragment.");
            }

            if (!catalog.Apis.TryGetValue(resource, out var api) || !api.Enabled || !client.AllowedApis.Contains(resource))
            {
                throw new OAuthException(OAuthErrorCode.InvalidTarget,
                    "The requested resource is unknown or not allowed for this client.",
                    $"resource '{Requests.ProtocolParameters.Printable(resource)}' refused for {client.ClientId}");
            }

            targets.Add(api);
        }

        return targets;
    }
}
