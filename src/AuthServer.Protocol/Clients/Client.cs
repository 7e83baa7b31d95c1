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

    public bool CanIntrospect => IntrospectionApis.Count > 0;
}
