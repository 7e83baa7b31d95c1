namespace AuthServer.Data.Import;

// The shape of an import file. Every member is optional here so that missing ones are reported by the
// validator with their path, rather than failing deserialization without one.

public sealed record ImportDocument(
    List<ScopeImport?>? Scopes,
    List<ApiImport?>? Apis,
    List<ClientImport?>? Clients,
    List<UserImport?>? Users = null,
    List<ClaimTypeImport?>? ClaimTypes = null,
    List<UserClaimsImport?>? UserClaims = null);

/// <summary>A claim type of the claims store. valueType: string (default), boolean, integer or json.</summary>
public sealed record ClaimTypeImport(string? Name, string? Description, string? ValueType, bool? Sensitive);

/// <summary>
/// The claim values of an existing user, by user name: they replace the user's stored values. Claim values are
/// a map from claim type to one value or an array of values; booleans and numbers may be written as JSON ones.
/// </summary>
public sealed record UserClaimsImport(string? UserName, Dictionary<string, System.Text.Json.JsonElement>? Claims);

/// <summary>Token exchange (RFC 8693) rules of a client; see TokenExchangePolicy.</summary>
public sealed record TokenExchangeImport(
    List<string?>? Audiences,
    List<string?>? SubjectAudiences,
    bool? Delegation,
    bool? Impersonation,
    bool? IdTokenSubject,
    int? MaxLifetimeSeconds);

/// <summary>A test user: accepted only when the import is told it runs in development.</summary>
public sealed record UserImport(
    string? UserName, string? Password, string? Email, List<string?>? Roles, Dictionary<string, System.Text.Json.JsonElement>? Claims = null);

/// <param name="Claims">The claim types the scope releases.</param>
public sealed record ScopeImport(string? Name, string? Description, List<string?>? Claims = null);

public sealed record ApiImport(
    string? Name,
    string? DisplayName,
    List<string?>? Scopes,
    string? SigningAlgorithm,
    bool? Enabled,
    bool? Internal = null);

/// <param name="Jwks">Public keys for private_key_jwt, inline as a JWK Set (RFC 7517 §5).</param>
/// <param name="JwksUri">Refused with a clear error: keys are registered inline, never fetched from a URL.</param>
/// <param name="JwksUriParameter">The same, as RFC 7591 spells it.</param>
public sealed record ClientImport(
    string? ClientId,
    string? DisplayName,
    string? Type,
    SecretImport? Secret,
    List<string?>? GrantTypes,
    List<string?>? AllowedScopes,
    List<string?>? DefaultScopes,
    List<string?>? AllowedApis,
    List<string?>? IntrospectionApis,
    string? AccessTokenFormat,
    int? AccessTokenLifetimeSeconds,
    bool? Enabled,
    List<string?>? RedirectUris = null,
    List<string?>? PostLogoutRedirectUris = null,
    bool? RequirePkce = null,
    bool? RequireConsent = null,
    bool? RequireMfa = null,
    string? IdTokenSigningAlgorithm = null,
    int? RefreshTokenLifetimeSeconds = null,
    int? RefreshTokenIdleSeconds = null,
    Dictionary<string, System.Text.Json.JsonElement>? Claims = null,
    TokenExchangeImport? TokenExchange = null,
    List<string?>? CorsOrigins = null,
    System.Text.Json.JsonElement? Jwks = null,
    string? JwksUri = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("jwks_uri")] string? JwksUriParameter = null);

/// <summary>Exactly one of: a secret value (hashed on import), a precomputed hash, or generate=true.</summary>
public sealed record SecretImport(string? Value, string? Hash, bool? Generate);

public sealed record ImportError(string Path, string Message);

public sealed record ImportResult(
    IReadOnlyList<ImportError> Errors,
    IReadOnlyList<string> Changes,
    IReadOnlyList<(string ClientId, string Secret)> GeneratedSecrets);

/// <summary>Whether an import may create test users, and the password length they need.</summary>
public sealed record ImportUsersPolicy(bool Allowed, int MinimumPasswordLength)
{
    public static readonly ImportUsersPolicy Refused = new(false, 12);
}
