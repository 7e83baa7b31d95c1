using AuthServer.Protocol.Clients;

namespace AuthServer.Protocol.Tokens;

public enum TokenKind
{
    AccessToken,
    RefreshToken,
}

public enum TokenStatus
{
    Active,
    Revoked,
}

/// <summary>
/// A token as it is stored. <see cref="Id"/> is the SHA-256 hash of an opaque handle, or the jti of a JWT:
/// the handle itself is never stored.
/// </summary>
public sealed record TokenRecord
{
    public required string Id { get; init; }

    public required string Jti { get; init; }

    public TokenKind Kind { get; init; } = TokenKind.AccessToken;

    public required AccessTokenFormat Format { get; init; }

    public required string ClientId { get; init; }

    public required string Subject { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public TokenStatus Status { get; init; } = TokenStatus.Active;

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Every token descending from one grant shares a family id, so the family can be revoked at once.</summary>
    public required string FamilyId { get; init; }

    /// <summary>Refresh tokens: when it was exchanged for its successor (it works once).</summary>
    public DateTimeOffset? ConsumedAt { get; init; }

    /// <summary>Refresh tokens: the id of the token it was exchanged for.</summary>
    public string? SuccessorId { get; init; }

    /// <summary>Refresh tokens: the end of the family's absolute lifetime, which no successor outlives.</summary>
    public DateTimeOffset? AbsoluteExpiresAt { get; init; }

    /// <summary>Access tokens: the store's claims and the act claim, fixed at issue; null when there are none.</summary>
    public Claims.TokenClaims? Claims { get; init; }

    public bool IsActiveAt(DateTimeOffset now) => Status == TokenStatus.Active && now >= IssuedAt && now < ExpiresAt;
}
