using System.Text.Json;

namespace AuthServer.Data.Admin;

// What the admin API and pages read and write about a client. Requests never carry a database id, a secret, a
// secret hash or a timestamp: those are not members here, so strict JSON reading rejects them.

/// <summary>
/// Every setting of a client: the body of PUT /clients/{clientId} (a full replace: a member left out takes its
/// default) and the "settings" of GET. Members and rules are those of the import file's clients.
/// </summary>
public record ClientSettings
{
    /// <summary>confidential (default) or public.</summary>
    public string? Type { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>Default true.</summary>
    public bool? Enabled { get; init; }

    public List<string?>? GrantTypes { get; init; }

    public List<string?>? RedirectUris { get; init; }

    public List<string?>? PostLogoutRedirectUris { get; init; }

    public List<string?>? AllowedScopes { get; init; }

    /// <summary>Granted when a request names no scope; each must also be in allowedScopes.</summary>
    public List<string?>? DefaultScopes { get; init; }

    public List<string?>? AllowedApis { get; init; }

    public List<string?>? IntrospectionApis { get; init; }

    /// <summary>opaque (default) or jwt.</summary>
    public string? AccessTokenFormat { get; init; }

    public int? AccessTokenLifetimeSeconds { get; init; }

    public int? RefreshTokenLifetimeSeconds { get; init; }

    public int? RefreshTokenIdleSeconds { get; init; }

    /// <summary>Default true; only a confidential client may turn PKCE off.</summary>
    public bool? RequirePkce { get; init; }

    public bool? RequireConsent { get; init; }

    public bool? RequireMfa { get; init; }

    /// <summary>RS256 (default) or ES256.</summary>
    public string? IdTokenSigningAlgorithm { get; init; }

    /// <summary>Browser origins such as https://app.example.com.</summary>
    public List<string?>? CorsOrigins { get; init; }

    /// <summary>Token exchange (RFC 8693) rules; null: the client may not exchange tokens.</summary>
    public ClientTokenExchange? TokenExchange { get; init; }

    /// <summary>The client's claim values: claim type → one value or an array of values.</summary>
    public Dictionary<string, JsonElement>? Claims { get; init; }

    /// <summary>
    /// Public keys for private_key_jwt, as a JWK Set ({"keys": [...]}); null: none. A confidential client created with
    /// keys gets no generated secret, so it authenticates only with assertions signed by these keys.
    /// </summary>
    public JsonElement? Jwks { get; init; }
}

/// <summary>The body of POST /clients: a new client's id and its settings. A confidential client's secret is generated.</summary>
public sealed record NewClient : ClientSettings
{
    public string? ClientId { get; init; }
}

public sealed record ClientTokenExchange(
    List<string?>? Audiences,
    List<string?>? SubjectAudiences,
    bool? Delegation,
    bool? Impersonation,
    bool? IdTokenSubject,
    int? MaxLifetimeSeconds);

/// <summary>A client as stored. Its secret is never shown: only whether it has one, and since when.</summary>
public sealed record ClientDetails(
    string ClientId,
    ClientSettings Settings,
    bool HasSecret,
    DateTimeOffset? SecretCreatedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A row of the client list.</summary>
public sealed record ClientSummary(
    string ClientId, string? DisplayName, string Type, bool Enabled, IReadOnlyList<string> GrantTypes, DateTimeOffset UpdatedAt);

public sealed record ClientList(IReadOnlyList<ClientSummary> Items, long Total);

/// <summary>A client after a change, and the secret made by that change (shown once; only its hash is kept).</summary>
public sealed record ClientWithSecret(ClientDetails Client, string? Secret);

/// <summary>What a client may name: the grant types this server has, and the scopes, APIs and claim types defined.</summary>
public sealed record ClientCatalog(
    IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes, IReadOnlyList<string> Apis, IReadOnlyList<string> ClaimTypes);

public enum ClientOutcome
{
    Done,
    NotFound,
    Invalid,
    Conflict,
}

/// <summary>
/// The result of a change: done (with the client, and a new secret when one was made), not found, invalid (each
/// error keyed by the JSON path of the request member, such as "redirectUris[1]"), or a conflict.
/// </summary>
public sealed record ClientChange(
    ClientOutcome Outcome,
    ClientDetails? Client = null,
    string? Secret = null,
    IReadOnlyList<(string Path, string Message)>? Errors = null,
    string? Detail = null)
{
    public static readonly ClientChange NotFound = new(ClientOutcome.NotFound);

    public static ClientChange Invalid(params (string Path, string Message)[] errors) => new(ClientOutcome.Invalid, Errors: errors);
}
