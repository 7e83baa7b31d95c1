namespace AuthServer.Protocol.Authorization;

/// <summary>
/// An issued authorization code, as stored: <see cref="Id"/> is the hash of the code (OpaqueHandle.Hash), and
/// everything the token request must match is bound to it (RFC 6749 §4.1.3, RFC 7636 §4.6).
/// </summary>
public sealed record AuthorizationCode
{
    public required string Id { get; init; }

    public required string ClientId { get; init; }

    public required string Subject { get; init; }

    public required string RedirectUri { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>The S256 challenge, or null when the client sent none (allowed only where PKCE is optional).</summary>
    public string? CodeChallenge { get; init; }

    public string? Nonce { get; init; }

    public required DateTimeOffset AuthTime { get; init; }

    /// <summary>RFC 8176 authentication method references of the sign-in (pwd, mfa, otp).</summary>
    public required IReadOnlyList<string> Amr { get; init; }

    public string? SessionId { get; init; }

    /// <summary>Every token issued from this code carries this family id, so a replay can revoke them all.</summary>
    public required string FamilyId { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>What happened when a code was presented.</summary>
public enum CodeRedemption
{
    /// <summary>First use: the code is now spent.</summary>
    Redeemed,

    /// <summary>No such code.</summary>
    Unknown,

    /// <summary>The code was redeemed before: a replay.</summary>
    AlreadyRedeemed,
}

public interface IAuthorizationCodeStore
{
    /// <summary>Stores a new code; returns once it is committed.</summary>
    Task AddAsync(AuthorizationCode code, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the code spent, atomically: of two concurrent redemptions exactly one gets <see cref="CodeRedemption.Redeemed"/>.
    /// The code is returned whenever it exists, so a replay can be traced to its family.
    /// </summary>
    Task<(CodeRedemption Outcome, AuthorizationCode? Code)> TryRedeemAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);
}
