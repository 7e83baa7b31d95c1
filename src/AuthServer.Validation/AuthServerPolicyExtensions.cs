using Microsoft.AspNetCore.Authorization;

namespace AuthServer.Validation;

/// <summary>Policy helpers for AuthServer access tokens.</summary>
public static class AuthServerPolicyExtensions
{
    /// <summary>Requires every listed scope in the token (scope is case-sensitive, RFC 6749 §3.3).</summary>
    public static AuthorizationPolicyBuilder RequireScope(this AuthorizationPolicyBuilder policy, params string[] scopes) =>
        policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scopes, requireAll: true));

    /// <summary>Requires at least one of the listed scopes in the token.</summary>
    public static AuthorizationPolicyBuilder RequireAnyScope(this AuthorizationPolicyBuilder policy, params string[] scopes) =>
        policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scopes, requireAll: false));

    /// <summary>Requires a claim of this type with one of these values (e.g. <c>client_id</c>); ordinal comparison.</summary>
    public static AuthorizationPolicyBuilder RequireClaimValue(this AuthorizationPolicyBuilder policy, string type, params string[] allowedValues) =>
        policy.RequireAuthenticatedUser().RequireClaim(type, allowedValues);

    /// <summary>Adds a policy named after a scope that requires that scope: <c>.RequireAuthorization("orders.read")</c>.</summary>
    public static AuthorizationBuilder AddScopePolicy(this AuthorizationBuilder builder, string scope) =>
        builder.AddPolicy(scope, policy => policy.RequireScope(scope));
}
