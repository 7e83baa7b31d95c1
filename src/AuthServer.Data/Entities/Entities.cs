namespace AuthServer.Data.Entities;

// EF entities are storage shapes, not domain records: stores map them by hand to the engine's records.

public sealed class ClientEntity
{
    public long Id { get; set; }
    public string ClientId { get; set; } = "";
    public string? DisplayName { get; set; }
    public string Type { get; set; } = "confidential";
    public bool Enabled { get; set; } = true;
    public List<string> GrantTypes { get; set; } = [];
    public List<string> AllowedScopes { get; set; } = [];
    public List<string> DefaultScopes { get; set; } = [];
    public List<string> AllowedApis { get; set; } = [];
    public List<string> IntrospectionApis { get; set; } = [];
    public string AccessTokenFormat { get; set; } = "opaque";
    public int AccessTokenLifetimeSeconds { get; set; } = 3600;

    // Signing in (authorization code flow). Added by migration 0003, so every column has a default or is nullable.
    public List<string>? RedirectUris { get; set; }
    public List<string>? PostLogoutRedirectUris { get; set; }
    public bool PkceOptional { get; set; }
    public bool RequireConsent { get; set; }
    public bool RequireMfa { get; set; }
    public string IdTokenSigningAlgorithm { get; set; } = "RS256";
    public int RefreshTokenLifetimeSeconds { get; set; } = 30 * 86_400;
    public int RefreshTokenIdleSeconds { get; set; } = 14 * 86_400;

    // Claims store and token exchange (migration 0007).
    /// <summary>The token exchange policy as JSON (see ClientStore), or null: the client may not exchange tokens.</summary>
    public string? TokenExchange { get; set; }

    /// <summary>Browser origins (scheme://host[:port]) that may call the token endpoint from script (migration 0010).</summary>
    public List<string>? AllowedCorsOrigins { get; set; }

    /// <summary>The public keys for private_key_jwt, as a normalized JWK Set (see ClientJwks), or null (migration 0012).</summary>
    public string? Jwks { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<ClientSecretEntity> Secrets { get; set; } = [];
    public List<ClientClaimEntity> Claims { get; set; } = [];
}

/// <summary>One claim value held for a client (released into its client_credentials tokens).</summary>
public sealed class ClientClaimEntity
{
    public long Id { get; set; }
    public long ClientId { get; set; }
    public string Type { get; set; } = "";
    public string Value { get; set; } = "";
}

/// <summary>A claim type of the central claims store.</summary>
public sealed class ClaimTypeEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string ValueType { get; set; } = "string";
    public bool Sensitive { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ClientSecretEntity
{
    public long Id { get; set; }
    public long ClientId { get; set; }
    public string Hash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ApiEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string? DisplayName { get; set; }
    public List<string> Scopes { get; set; } = [];
    public string SigningAlgorithm { get; set; } = "ES256";
    public bool Enabled { get; set; } = true;
    public bool Internal { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ScopeEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }

    /// <summary>The claim types the scope releases (migration 0007, so nullable for existing rows).</summary>
    public List<string>? Claims { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Times are Unix seconds: the token table is on the hot path and is read and written with plain SQL.</summary>
public sealed class TokenEntity
{
    public string Id { get; set; } = "";
    public string Jti { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Format { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Scopes { get; set; } = "";
    public string Audiences { get; set; } = "";
    public long IssuedAt { get; set; }
    public long ExpiresAt { get; set; }
    public string Status { get; set; } = "";
    public long? RevokedAt { get; set; }
    public string FamilyId { get; set; } = "";
    public long PruneAfter { get; set; }

    // Refresh tokens (migration 0006).
    public long? ConsumedAt { get; set; }
    public string? SuccessorId { get; set; }
    public long? AbsoluteExpiresAt { get; set; }

    /// <summary>Access tokens: the store's claims and act, as JSON (migration 0007); null for most tokens.</summary>
    public string? Claims { get; set; }
}

public sealed class SigningKeyEntity
{
    public string Kid { get; set; } = "";
    public string Algorithm { get; set; } = "";
    public string State { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ActivatedAt { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }
    public string PublicJwk { get; set; } = "";
    public byte[] EncryptedPrivateKey { get; set; } = [];
}

/// <summary>Append-only. OccurredAt is Unix milliseconds so both providers order and filter it the same way.</summary>
public sealed class AuditEventEntity
{
    public long Id { get; set; }
    public long OccurredAt { get; set; }
    public string Action { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? ClientId { get; set; }
    public string? Subject { get; set; }
    public string? Target { get; set; }
    public string? Detail { get; set; }

    // The hash chain and the admin fields (migration 0009). Nullable because rows written before 0009 are chained by
    // that migration, and a row without a sequence is one verify reports as unchained.
    public long? Sequence { get; set; }
    public string? Actor { get; set; }
    public string? Source { get; set; }

    /// <summary>A JSON object (text, stored exactly as hashed).</summary>
    public string? Data { get; set; }

    public string? PreviousHash { get; set; }
    public string? Hash { get; set; }
}

/// <summary>A person who signs in: ASP.NET Core Identity's user, plus what RFC 6238 replay protection needs.</summary>
public sealed class UserEntity : Microsoft.AspNetCore.Identity.IdentityUser
{
    /// <summary>The last TOTP time step accepted for this user; a code for this step or an earlier one is refused.</summary>
    public long? TotpLastStep { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class AuthorizationCodeEntity
{
    public string Id { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string Subject { get; set; } = "";
    public string RedirectUri { get; set; } = "";
    public string Scopes { get; set; } = "";
    public string Audiences { get; set; } = "";
    public string? CodeChallenge { get; set; }
    public string? Nonce { get; set; }
    public long AuthTime { get; set; }
    public string Amr { get; set; } = "";
    public string? SessionId { get; set; }
    public string FamilyId { get; set; } = "";
    public long IssuedAt { get; set; }
    public long ExpiresAt { get; set; }
    public long? RedeemedAt { get; set; }
}

public sealed class ConsentEntity
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string Scopes { get; set; } = "";
    public DateTimeOffset GrantedAt { get; set; }
}
