using System.Text.Json;
using AuthServer.Data.Admin.Users;

namespace AuthServer.Admin.Users;

/// <summary>
/// /admin/api/v1/users: list, read, create; lock, unlock, reset MFA; roles; claim values. Request bodies carry only what
/// may be written (never an id, hash, stamp or timestamp); each change is audited by <see cref="UserAdministration"/>.
/// </summary>
public sealed class UsersModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddScoped<UserAdministration>();

    public void MapApi(RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("users");

        users.MapGet("/", async (string? search, int? page, int? pageSize, UserAdministration admin, CancellationToken ct) =>
            {
                var request = PageRequest.From(page, pageSize);
                var list = await admin.ListAsync(search, request.Skip, request.Size, ct);
                return TypedResults.Ok(new Paged<UserSummary>(list.Items, request.Page, request.Size, list.Total));
            })
            .Produces<Paged<UserSummary>>()
            .WithSummary("Users whose name or email contains the search text, by name");

        users.MapGet("/{userName}", async (string userName, UserAdministration admin, CancellationToken ct) =>
                await admin.GetAsync(userName, ct) is { } user ? Results.Ok(user) : AdminApi.NotFound($"user '{userName}'"))
            .Produces<UserDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A user: lockout, MFA, roles and claim values");

        users.MapPost("/", async (HttpContext context, UserAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<CreateUserRequest>(context.Request);
                if (error is not null)
                {
                    return error;
                }

                var result = await admin.CreateAsync(new NewUser(body!.UserName, body.Email, body.Password), AdminAccess.Caller(context), ct);
                return AdminCallers.Answer(result, user => TypedResults.Created($"{AdminApi.BasePath}/users/{Uri.EscapeDataString(user.UserName)}", user));
            })
            .Accepts<CreateUserRequest>("application/json")
            .Produces<UserDetails>(StatusCodes.Status201Created)
            .ProducesChangeProblems()
            .WithSummary("Create a user with an initial password (Identity's password rules apply)");

        users.MapPost("/{userName}/lock", async (string userName, HttpContext context, UserAdministration admin, CancellationToken ct) =>
            {
                // The body is optional: none (or {}) locks until an admin unlocks.
                var until = default(DateTimeOffset?);
                if (context.Request.ContentLength is not 0 && context.Request.ContentType is not null)
                {
                    var (body, error) = await AdminApi.ReadBodyAsync<LockRequest>(context.Request);
                    if (error is not null)
                    {
                        return error;
                    }

                    until = body!.Until;
                }

                return AdminCallers.Answer(await admin.LockAsync(userName, until, AdminAccess.Caller(context), ct));
            })
            .Accepts<LockRequest>("application/json")
            .Produces<UserDetails>()
            .ProducesChangeProblems()
            .WithSummary("Lock a user out until a time, or until unlocked; their sessions end");

        users.MapPost("/{userName}/unlock", async (string userName, HttpContext context, UserAdministration admin, CancellationToken ct) =>
                AdminCallers.Answer(await admin.UnlockAsync(userName, AdminAccess.Caller(context), ct)))
            .Produces<UserDetails>()
            .ProducesChangeProblems()
            .WithSummary("Unlock a user");

        users.MapPost("/{userName}/reset-mfa", async (string userName, HttpContext context, UserAdministration admin, CancellationToken ct) =>
                AdminCallers.Answer(await admin.ResetMfaAsync(userName, AdminAccess.Caller(context), ct)))
            .Produces<UserDetails>()
            .ProducesChangeProblems()
            .WithSummary("Turn off two-factor sign-in and forget the authenticator and recovery codes; the user enrols again");

        users.MapPut("/{userName}/roles", async (string userName, HttpContext context, UserAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<RolesRequest>(context.Request);
                if (error is not null)
                {
                    return error;
                }

                return body!.Roles is null
                    ? AdminApi.Invalid([("roles", "List the user's roles (an empty list removes them all).")])
                    : AdminCallers.Answer(await admin.SetRolesAsync(userName, body.Roles, AdminAccess.Caller(context), ct));
            })
            .Accepts<RolesRequest>("application/json")
            .Produces<UserDetails>()
            .ProducesChangeProblems()
            .WithSummary("Set a user's roles (existing roles; 'admin' is made if missing)");

        users.MapPut("/{userName}/claims", async (string userName, HttpContext context, UserAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ClaimsRequest>(context.Request);
                if (error is not null)
                {
                    return error;
                }

                return body!.Claims is null
                    ? AdminApi.Invalid([("claims", "Give the claim values as an object: claim type → value or array of values.")])
                    : AdminCallers.Answer(await admin.SetClaimsAsync(userName, body.Claims, AdminAccess.Caller(context), ct));
            })
            .Accepts<ClaimsRequest>("application/json")
            .Produces<UserDetails>()
            .ProducesChangeProblems()
            .WithSummary("Replace a user's claim values (defined claim types only, each value of its type)");
    }
}

public sealed record CreateUserRequest(string? UserName, string? Email, string? Password);

/// <param name="Until">The end of the lockout; none locks until an admin unlocks.</param>
public sealed record LockRequest(DateTimeOffset? Until);

public sealed record RolesRequest(List<string?>? Roles);

public sealed record ClaimsRequest(Dictionary<string, JsonElement>? Claims);
