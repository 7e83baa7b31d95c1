using System.Security.Claims;
using AuthServer.Configuration;
using AuthServer.Protocol.Clients;

namespace AuthServer.Authorization;

/// <summary>When a second factor is needed: everywhere if configured, for clients that ask, and for listed roles (admins always).</summary>
public static class MfaPolicy
{
    public const string AdminRole = "admin";

    public static bool IsRequired(Client client, ClaimsPrincipal user, UsersOptions options) =>
        options.RequireMfa
        || client.RequireMfa
        || user.IsInRole(AdminRole)
        || options.MfaRequiredRoles.Any(user.IsInRole);
}
