using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace AuthServer.Validation;

/// <summary>
/// Requires scopes among the token's <c>scope</c> claims: all of them, or any one. Handles itself, so no handler
/// needs registering. When it fails for an authenticated caller it marks the request, and the refusal becomes
/// RFC 6750 §3.1 insufficient_scope naming the scopes required.
/// </summary>
public sealed class ScopeRequirement : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    internal const string MissingScopeItem = "AuthServer.Validation.MissingScope";

    public ScopeRequirement(IEnumerable<string> scopes, bool requireAll)
    {
        Scopes = [.. scopes];
        RequireAll = requireAll;
        if (Scopes.Count == 0)
        {
            throw new ArgumentException("At least one scope is required.", nameof(scopes));
        }

        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); this also keeps the challenge header well formed.
        foreach (var scope in Scopes)
        {
            if (string.IsNullOrEmpty(scope) || scope.Any(c => c is < '\x21' or > '\x7E' or '"' or '\\'))
            {
                throw new ArgumentException($"'{scope}' is not a valid scope value (RFC 6749 §3.3).", nameof(scopes));
            }
        }
    }

    public IReadOnlyList<string> Scopes { get; }

    /// <summary>True: every scope is required. False: any one of them is enough.</summary>
    public bool RequireAll { get; }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var granted = context.User.FindAll(TokenClaims.Scope).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var satisfied = requirement.RequireAll ? requirement.Scopes.All(granted.Contains) : requirement.Scopes.Any(granted.Contains);
        if (satisfied)
        {
            context.Succeed(requirement);
        }
        else if (context.User.Identity?.IsAuthenticated == true && context.Resource is HttpContext http)
        {
            http.Items[MissingScopeItem] = string.Join(' ', requirement.Scopes);
        }

        return Task.CompletedTask;
    }
}
