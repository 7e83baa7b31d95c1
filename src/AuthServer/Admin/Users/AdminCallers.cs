using System.Security.Claims;
using AuthServer.Data.Admin.Users;

namespace AuthServer.Admin.Users;

/// <summary>The caller of an admin change (for the audit log and the self-protection rules), and how a refused change answers.</summary>
public static class AdminCallers
{
    public static AdminCaller Of(HttpContext context) =>
        new(AdminAccess.Actor(context.User), context.Connection.RemoteIpAddress?.ToString(), UserId(context.User));

    /// <summary>
    /// The person acting: a session's user id, or the subject of a user's admin API token. A client acting with its own
    /// token (sub = client_id) is no person, and has no self to protect.
    /// </summary>
    private static string? UserId(ClaimsPrincipal user)
    {
        if (user.FindFirst("client_id")?.Value is { } clientId && user.FindFirst("sub")?.Value is { } sub)
        {
            return sub == clientId ? null : sub;
        }

        return user.FindFirstValue(ClaimTypes.NameIdentifier);
    }

    /// <summary>The API's answer to a change: 200 (or what <paramref name="ok"/> makes), else a problem with the right status.</summary>
    public static IResult Answer<T>(ChangeResult<T> result, Func<T, IResult>? ok = null) => result.Failure switch
    {
        ChangeFailure.None => ok is null ? TypedResults.Ok(result.Value) : ok(result.Value!),
        ChangeFailure.NotFound => AdminApi.Problem(StatusCodes.Status404NotFound, result.Detail),
        ChangeFailure.Invalid => AdminApi.Invalid(result.Errors.Select(e => (e.Field, e.Message))),

        // Refused (what an admin may not do to themselves) and conflicts (the state forbids it now) are both 409.
        _ => AdminApi.Problem(StatusCodes.Status409Conflict, result.Detail),
    };

    /// <summary>For OpenAPI: the problem results the change endpoints can give.</summary>
    public static RouteHandlerBuilder ProducesChangeProblems(this RouteHandlerBuilder builder) => builder
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
}
