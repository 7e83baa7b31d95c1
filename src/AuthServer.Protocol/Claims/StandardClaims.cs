using AuthServer.Protocol.Authorization;

namespace AuthServer.Protocol.Claims;

/// <summary>
/// The OpenID Connect standard claims (Core §5.1) and the claims the identity scopes release (Core §5.4). They are
/// built-in claim types; their values still come only from the claims store.
/// </summary>
public static class StandardClaims
{
    public static readonly IReadOnlyList<ClaimType> Types =
    [
        new("name", "Full name", ClaimValueType.String, false),
        new("given_name", "Given name", ClaimValueType.String, false),
        new("family_name", "Surname", ClaimValueType.String, false),
        new("middle_name", "Middle name", ClaimValueType.String, false),
        new("nickname", "Casual name", ClaimValueType.String, false),
        new("preferred_username", "Username", ClaimValueType.String, false),
        new("profile", "Profile page URL", ClaimValueType.String, false),
        new("picture", "Picture URL", ClaimValueType.String, false),
        new("website", "Web page URL", ClaimValueType.String, false),
        new("gender", "Gender", ClaimValueType.String, false),
        new("birthdate", "Birthday (YYYY-MM-DD)", ClaimValueType.String, false),
        new("zoneinfo", "Time zone", ClaimValueType.String, false),
        new("locale", "Locale", ClaimValueType.String, false),
        new("updated_at", "Time the profile was last updated", ClaimValueType.Integer, false),
        new("email", "Email address", ClaimValueType.String, false),
        new("email_verified", "Whether the email address was verified", ClaimValueType.Boolean, false),
        new("phone_number", "Phone number", ClaimValueType.String, false),
        new("phone_number_verified", "Whether the phone number was verified", ClaimValueType.Boolean, false),
        new("address", "Postal address (JSON object)", ClaimValueType.Json, false),
    ];

    /// <summary>Core §5.4: what the built-in profile and email scopes release; openid releases sub only.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> ByIdentityScope = new Dictionary<string, IReadOnlyList<string>>
    {
        [IdentityScopes.Profile] =
        [
            "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
            "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
        ],
        [IdentityScopes.Email] = ["email", "email_verified"],
    };

    /// <summary>
    /// Names the server itself asserts (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, OpenID Connect Core §2): the
    /// claims store may never define them, so no stored value can forge an issuer, audience, lifetime or actor.
    /// </summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "act", "may_act", "cnf", "azp",
        "auth_time", "acr", "amr", "nonce", "at_hash", "c_hash", "s_hash", "sid", "typ", "alg", "kid", "active",
        "token_type", "username", "token_introspection", "events", "resource", "audience", "nonce_supported",
    };
}
