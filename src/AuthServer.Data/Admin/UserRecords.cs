namespace AuthServer.Data.Admin.Users;

public enum ChangeFailure
{
    None,
    NotFound,
    Invalid,
    Refused,
    Conflict,
}

/// <summary>A field that failed validation, named by its JSON path in the API (the page shows it beside the field).</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>The outcome of an admin change: the changed resource, or why nothing changed.</summary>
public sealed record ChangeResult<T>(T? Value, ChangeFailure Failure, IReadOnlyList<FieldError> Errors, string? Detail)
{
    public bool Succeeded => Failure == ChangeFailure.None;

    public static ChangeResult<T> Ok(T value) => new(value, ChangeFailure.None, [], null);

    public static ChangeResult<T> NotFound(string detail) => new(default, ChangeFailure.NotFound, [], detail);

    public static ChangeResult<T> Invalid(params FieldError[] errors) => new(default, ChangeFailure.Invalid, errors, null);

    public static ChangeResult<T> Refused(string detail) => new(default, ChangeFailure.Refused, [], detail);

    public static ChangeResult<T> Conflict(string detail) => new(default, ChangeFailure.Conflict, [], detail);
}

/// <summary>A user as the user list shows it.</summary>
public sealed record UserSummary(
    string Id, string UserName, string? Email, bool LockedOut, DateTimeOffset? LockoutEnd, bool MfaEnabled, IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt);

/// <summary>
/// A user with everything an admin may see and change: never a password hash, security stamp or authenticator key.
/// Claims are the values held in the claims store for the user (type → values, as stored text).
/// </summary>
public sealed record UserDetails(
    string Id, string UserName, string? Email, bool LockedOut, DateTimeOffset? LockoutEnd, bool MfaEnabled, IReadOnlyList<string> Roles,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Claims, DateTimeOffset CreatedAt)
{
    /// <summary>What the audit log records before and after a change.</summary>
    public object Audited => new { UserName, Email, Roles, LockedOut, LockoutEnd, MfaEnabled, Claims };
}

public sealed record UserList(IReadOnlyList<UserSummary> Items, long Total);

/// <summary>A new user: the password goes to Identity's hasher and nowhere else (no log, no audit event).</summary>
public sealed record NewUser(string? UserName, string? Email, string? Password);
