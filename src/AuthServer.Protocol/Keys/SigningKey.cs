using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Keys;

/// <summary>pending → active → retired → removed (the lifecycle is driven by the key manager).</summary>
public enum SigningKeyState
{
    Pending,
    Active,
    Retired,
    Removed,
}

/// <summary>A signing key as stored: the private part is encrypted under the master key.</summary>
public sealed record StoredSigningKey(
    string Kid,
    string Algorithm,
    SigningKeyState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ActivatedAt,
    DateTimeOffset? RetiredAt,
    string PublicJwk,
    byte[] EncryptedPrivateKey);

/// <summary>A usable signing key: the decrypted private key and its public JWK.</summary>
public sealed record SigningKey(
    string Kid,
    string Algorithm,
    SigningKeyState State,
    AsymmetricSecurityKey PrivateKey,
    JsonWebKey PublicJwk)
{
    public SigningCredentials Credentials { get; } = new(PrivateKey, Algorithm);

    /// <summary>When the key became active (its creation time if it never was); the key-age metric reads it.</summary>
    public DateTimeOffset? ActivatedAt { get; init; }
}

public interface ISigningKeyStore
{
    Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Decides and applies key changes as one transaction under a lock that every node and process shares, so when
    /// several decide at once exactly one rotation happens (the others see its result and decide nothing).
    /// Each applied change's audit event is written in the same transaction. Returns the changes applied, creations
    /// with their new kid.
    /// </summary>
    Task<IReadOnlyList<KeyChange>> ChangeAsync(
        Func<IReadOnlyList<StoredSigningKey>, IReadOnlyList<KeyChange>> decide,
        Func<string, SigningKeyState, StoredSigningKey> create,
        Func<KeyChange, Audit.AuditEvent> audit,
        DateTimeOffset now,
        CancellationToken cancellationToken);
}
