namespace AuthServer.Protocol.Claims;

/// <summary>How a claim's stored text is written into JSON.</summary>
public enum ClaimValueType
{
    String,
    Boolean,
    Integer,

    /// <summary>A JSON object or array, stored as its text (e.g. OpenID Connect's <c>address</c>).</summary>
    Json,
}

/// <summary>A claim type defined in the claims store.</summary>
/// <param name="Sensitive">
/// Sensitive claims are released only over back channels (access tokens, introspection, userinfo), never in an
/// ID token, which passes through the browser; and explain never prints their values.
/// </param>
public sealed record ClaimType(string Name, string? Description, ClaimValueType ValueType, bool Sensitive);

/// <summary>One value of a claim held for a user or a client.</summary>
public sealed record ClaimValue(string Type, string Value);

/// <summary>Whether a token's subject is a person or a client acting for itself.</summary>
public enum SubjectKind
{
    User,
    Client,
}
