namespace AuthServer.Protocol.Clients;

public enum ClientType
{
    Confidential,
    Public,
}

/// <summary>How access tokens for a client are represented on the wire.</summary>
public enum AccessTokenFormat
{
    /// <summary>A random reference handle, stored only as its hash: for external clients (the default).</summary>
    Opaque,

    /// <summary>An RFC 9068 JWT: for internal clients that validate tokens locally.</summary>
    Jwt,
}

/// <summary>A registered client, as the engine sees it. Immutable.</summary>
public sealed record Client
{
    public required string ClientId { get; init; }

    public string? DisplayName { get; init; }

    public ClientType Type { get; init; } = ClientType.Confidential;

    public bool Enabled { get; init; } = true;

    /// <summary>Hashes of the client's current secrets (more than one while a secret is being rotated).</summary>
    public IReadOnlyList<string> SecretHashes { get; init; } = [];

    public IReadOnlySet<string> GrantTypes { get; init; } = new HashSet<string>();

    public IReadOnlySet<string> AllowedScopes { get; init; } = new HashSet<string>();

    /// <summary>Scopes granted when a request names none (RFC 6749 §3.3).</summary>
    public IReadOnlyList<string> DefaultScopes { get; init; } = [];

    /// <summary>Identifiers of the APIs (audiences) this client may obtain tokens for.</summary>
    public IReadOnlySet<string> AllowedApis { get; init; } = new HashSet<string>();

    /// <summary>APIs whose tokens this client may introspect; empty means no introspection permission.</summary>
    public IReadOnlySet<string> IntrospectionApis { get; init; } = new HashSet<string>();

    public AccessTokenFormat AccessTokenFormat { get; init; } = AccessTokenFormat.Opaque;

    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Where authorization responses may go; compared exactly (see Authorization.RedirectUris).</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary>Where the browser may go after RP-initiated logout.</summary>
    public IReadOnlyList<string> PostLogoutRedirectUris { get; init; } = [];

    /// <summary>PKCE (S256) on every authorization request: always for public clients, by default for all (RFC 9700 §2.1.1).</summary>
    public bool RequirePkce { get; init; } = true;

    /// <summary>The user must approve the scopes this client asks for (remembered per user, client and scopes).</summary>
    public bool RequireConsent { get; init; }

    /// <summary>Users must have passed a second factor to sign in to this client.</summary>
    public bool RequireMfa { get; init; }

    public string IdTokenSigningAlgorithm { get; init; } = Keys.SigningAlgorithms.RS256;

    /// <summary>How long a chain of refresh tokens lives, however often it is used (absolute).</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a refresh token lives unused (sliding); never beyond <see cref="RefreshTokenLifetime"/>.</summary>
    public TimeSpan RefreshTokenIdleLifetime { get; init; } = TimeSpan.FromDays(14);

    /// <summary>The client's own claim values, released into tokens it obtains for itself (client_credentials).</summary>
    public IReadOnlyList<Claims.ClaimValue> Claims { get; init; } = [];

    /// <summary>Token exchange (RFC 8693) rules; null means the client may not exchange tokens.</summary>
    public TokenExchangePolicy? TokenExchange { get; init; }

    /// <summary>Browser origins allowed to call this server's endpoints from script (serialized as the Origin header is).</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>
    /// Public keys registered for private_key_jwt (RFC 7523 §2.2): the client may authenticate with an assertion signed
    /// by one of them. Empty: it may not.
    /// </summary>
    public IReadOnlyList<ClientSigningKey> SigningKeys { get; init; } = [];

    public bool CanIntrospect => IntrospectionApis.Count > 0;
}
