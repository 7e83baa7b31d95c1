namespace AuthServer.Protocol.Authorization;

/// <summary>The OpenID Connect scopes (Core §5.4, §11): built in, granted to clients that list them.</summary>
public static class IdentityScopes
{
    public const string OpenId = "openid";
    public const string Profile = "profile";
    public const string Email = "email";
    public const string OfflineAccess = "offline_access";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { OpenId, Profile, Email, OfflineAccess };
}
