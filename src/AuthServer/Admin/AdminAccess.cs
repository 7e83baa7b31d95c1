using System.Security.Claims;
using AuthServer.Authorization;
using AuthServer.Data.Admin;
using AuthServer.Data.Entities;
using AuthServer.Signals;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Admin;

/// <summary>
/// Who may administer: people in the admin role whose session proved a second factor (the UI), and bearers of a JWT
/// that this server issued for the admin API with the admin scope (the REST API). Roles are read from the database
/// on every request, so removing someone from the role takes effect at once, not when their session ends.
/// </summary>
public static class AdminAccess
{
    public const string UiPolicy = "admin-ui";
    public const string ApiPolicy = "admin-api";
    public const string ApiScheme = "AdminApiBearer";

    /// <summary>The API (audience) of admin API tokens; made at start if missing.</summary>
    public const string ApiName = "authserver-admin";

    /// <summary>The scope an admin API token must carry.</summary>
    public const string Scope = "authserver.admin";

    public static void AddPolicies(AuthorizationOptions options)
    {
        options.AddPolicy(UiPolicy, p => p
            .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new AdminRequirement(ViaBearerToken: false)));
        options.AddPolicy(ApiPolicy, p => p
            .AddAuthenticationSchemes(ApiScheme)
            .RequireAuthenticatedUser()
            .RequireClaim("scope", Scope)
            .AddRequirements(new AdminRequirement(ViaBearerToken: true)));
    }

    /// <summary>What the audit log records as the actor of a change made by <paramref name="user"/>.</summary>
    public static string Actor(ClaimsPrincipal user)
    {
        if (user.FindFirst("client_id")?.Value is { } clientId && user.FindFirst("sub")?.Value is { } sub)
        {
            return sub == clientId ? $"client:{clientId}" : $"user:{sub}";
        }

        return $"user:{user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "?"}";
    }

    /// <summary>
    /// The caller of an admin change: its actor, its address (as every audit event recorded during a request has it), and
    /// the acting person's user id — a session's user, or the subject of a person's admin API token. A client acting with
    /// its own token (sub = client_id) is no person, and has no self to protect.
    /// </summary>
    public static AdminCaller Caller(HttpContext context)
    {
        var user = context.User;
        var userId = user.FindFirst("client_id")?.Value is { } clientId && user.FindFirst("sub")?.Value is { } sub
            ? (sub == clientId ? null : sub)
            : user.FindFirstValue(ClaimTypes.NameIdentifier);
        return new AdminCaller(Actor(user), RequestSource.Of(context), userId);
    }
}

public sealed record AdminRequirement(bool ViaBearerToken) : IAuthorizationRequirement;

/// <summary>Checks the admin role against the database; for sessions, also that the sign-in used a second factor.</summary>
public sealed class AdminRequirementHandler(UserManager<UserEntity> users) : AuthorizationHandler<AdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
    {
        var principal = context.User;
        string? userId;
        if (requirement.ViaBearerToken)
        {
            // A client's own token (client_credentials: sub is the client): the admin scope was granted to the client.
            var sub = principal.FindFirstValue("sub");
            if (sub is not null && sub == principal.FindFirstValue("client_id"))
            {
                context.Succeed(requirement);
                return;
            }

            userId = sub;
        }
        else
        {
            // Identity marks a sign-in that passed the second factor with amr=mfa (RFC 8176).
            if (!principal.HasClaim("amr", "mfa"))
            {
                return;
            }

            userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        }

        if (userId is null || await users.FindByIdAsync(userId) is not { } user)
        {
            return;
        }

        // A session also needs MFA still enrolled: once an admin resets it, the session that proved it no longer counts.
        if (!await users.IsLockedOutAsync(user) && await users.IsInRoleAsync(user, MfaPolicy.AdminRole)
            && (requirement.ViaBearerToken || await users.GetTwoFactorEnabledAsync(user)))
        {
            context.Succeed(requirement);
        }
    }
}
