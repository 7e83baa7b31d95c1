namespace AuthServer.Data.Admin.Tokens;

/// <summary>
/// A stored token as admins see it: metadata only. Never its value or the hash it is stored under: the reference is
/// the token's jti (which introspection already tells APIs), and that is what revocation takes.
/// </summary>
/// <param name="Status">"active", "revoked", "expired" or "used" (a refresh token exchanged for its successor).</param>
/// <param name="UserName">The subject's user name, when the subject is a user.</param>
public sealed record TokenSummary(
    string Reference, string Kind, string Format, string ClientId, string Subject, string? UserName, IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Audiences, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Status, DateTimeOffset? RevokedAt,
    string FamilyId)
{
    /// <summary>A few characters of the reference's random part, enough to tell tokens apart on a page.</summary>
    public string ShortReference => Reference.Length > 20 ? Reference[12..20] : Reference;

    /// <summary>The family id shortened the same way.</summary>
    public string ShortFamily => FamilyId.Length > 20 ? FamilyId[12..20] : FamilyId;
}

public sealed record TokenList(IReadOnlyList<TokenSummary> Items, long Total);

/// <summary>How many of a family's tokens one revocation ended.</summary>
public sealed record FamilyRevocation(string FamilyId, int Revoked);

/// <summary>A user's consent to a client (a "grant"), remembered until revoked.</summary>
public sealed record GrantSummary(string UserName, string ClientId, IReadOnlyList<string> Scopes, DateTimeOffset GrantedAt);

/// <summary>What revoking a grant did: the consent is gone and this many of the client's tokens for the user were revoked.</summary>
public sealed record GrantRevocation(string UserName, string ClientId, int TokensRevoked);
