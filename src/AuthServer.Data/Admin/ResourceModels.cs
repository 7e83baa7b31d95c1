namespace AuthServer.Data.Admin;

// What the admin API and pages read and write for APIs, scopes and claim types. Request records carry only what an
// admin may set: never an id or a timestamp, and never the name on an update (a name is the resource's identity).
// PUT replaces the whole resource: an omitted field takes its default.

/// <summary>An API (audience). <paramref name="BuiltIn"/>: the admin API itself, which cannot be deleted.</summary>
public sealed record ApiView(
    string Name, string? DisplayName, IReadOnlyList<string> Scopes, string SigningAlgorithm, bool Enabled, bool Internal, bool BuiltIn,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <param name="SigningAlgorithm">ES256 (default) or RS256.</param>
/// <param name="Internal">Validates JWTs itself, so exchanged tokens for it are JWTs.</param>
public sealed record ApiCreateRequest(
    string? Name, string? DisplayName, List<string?>? Scopes, string? SigningAlgorithm, bool? Enabled, bool? Internal);

public sealed record ApiUpdateRequest(string? DisplayName, List<string?>? Scopes, string? SigningAlgorithm, bool? Enabled, bool? Internal);

/// <summary>
/// A scope and the claim types it releases. <paramref name="BuiltIn"/>: an OpenID Connect scope (its claims fixed by
/// the standard) or the admin scope; neither can be deleted. OpenID Connect scopes have no timestamps.
/// </summary>
public sealed record ScopeView(
    string Name, string? Description, IReadOnlyList<string> Claims, bool BuiltIn, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

/// <param name="Claims">The claim types the scope releases (the scope → claim mapping).</param>
public sealed record ScopeCreateRequest(string? Name, string? Description, List<string?>? Claims);

public sealed record ScopeUpdateRequest(string? Description, List<string?>? Claims);

/// <summary>A claim type. <paramref name="BuiltIn"/>: an OpenID Connect standard claim, listed but not editable.</summary>
/// <param name="ValueType">string, boolean, integer or json.</param>
/// <param name="Sensitive">Never released into an ID token, and never shown by explain.</param>
public sealed record ClaimTypeView(
    string Name, string? Description, string ValueType, bool Sensitive, bool BuiltIn, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

public sealed record ClaimTypeCreateRequest(string? Name, string? Description, string? ValueType, bool? Sensitive);

public sealed record ClaimTypeUpdateRequest(string? Description, string? ValueType, bool? Sensitive);

/// <summary>The resources the server itself depends on: they can be edited within limits but never deleted.</summary>
public sealed record BuiltInResources(string ApiName, string ScopeName);

/// <summary>One bad field, keyed by its JSON path in the request (e.g. "scopes[1]").</summary>
public sealed record ResourceError(string Field, string Message);

/// <summary>The outcome of an admin change: done, bad fields, no such resource, or refused (a conflict) with why.</summary>
public sealed class ResourceResult<T>
{
    private ResourceResult()
    {
    }

    public T? Value { get; private init; }

    public IReadOnlyList<ResourceError> Errors { get; private init; } = [];

    public bool NotFound { get; private init; }

    public string? Conflict { get; private init; }

    public bool Succeeded => Errors.Count == 0 && !NotFound && Conflict is null;

    public static ResourceResult<T> Ok(T value) => new() { Value = value };

    public static ResourceResult<T> Invalid(IReadOnlyList<ResourceError> errors) => new() { Errors = errors };

    public static ResourceResult<T> Missing() => new() { NotFound = true };

    public static ResourceResult<T> Refused(string detail) => new() { Conflict = detail };
}
