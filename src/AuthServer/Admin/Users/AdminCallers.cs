using AuthServer.Data.Admin.Users;

namespace AuthServer.Admin.Users;

/// <summary>How the users and tokens API answers a change: the value, or a problem with the right status.</summary>
public static class AdminCallers
{
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
