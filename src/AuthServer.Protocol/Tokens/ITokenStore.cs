namespace AuthServer.Protocol.Tokens;

public interface ITokenStore
{
    /// <summary>Stores a new token. Returns only once the record is durably committed.</summary>
    Task AddAsync(TokenRecord token, CancellationToken cancellationToken);

    ValueTask<TokenRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Marks the token revoked. Returns false when there is no such active token.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a refresh token exchanged for <paramref name="successorId"/>, atomically: true for exactly one of
    /// several concurrent exchanges of an active, unused token.
    /// </summary>
    Task<bool> TryConsumeAsync(string id, string successorId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Revokes every active token of the family (all tokens issued from one grant). Returns how many.</summary>
    Task<int> RevokeFamilyAsync(string familyId, DateTimeOffset revokedAt, CancellationToken cancellationToken);
}
