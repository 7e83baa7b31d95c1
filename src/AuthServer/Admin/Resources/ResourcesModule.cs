using AuthServer.Data;
using AuthServer.Data.Admin;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Resources;

namespace AuthServer.Admin.Resources;

/// <summary>
/// /admin/api/v1/apis and /admin/api/v1/scopes: list (paged, ?search=), get, create (201), replace (PUT), delete
/// (204, or 409 naming what still uses it). The admin API and its scope are built in and cannot be deleted.
/// </summary>
public sealed class ResourcesModule : IAdminModule
{
    public void AddServices(IServiceCollection services) =>
        services.AddSingleton(sp => new ResourceAdministration(
            sp.GetRequiredService<AuthServerDatabase>(), sp.GetRequiredService<TimeProvider>(),
            new BuiltInResources(AdminAccess.ApiName, AdminAccess.Scope), sp.GetRequiredService<IResourceStore>() as ResourceStore));

    public void MapApi(RouteGroupBuilder api)
    {
        MapApis(api.MapGroup("/apis").WithTags("APIs"));
        MapScopes(api.MapGroup("/scopes").WithTags("Scopes"));
    }

    private static void MapApis(RouteGroupBuilder apis)
    {
        apis.MapGet("", async (int? page, int? pageSize, string? search, ResourceAdministration admin, CancellationToken ct) =>
            {
                var paging = PageRequest.From(page, pageSize);
                return TypedResults.Ok(ResourceHttp.Paged(await admin.ListApisAsync(search, paging.Skip, paging.Size, ct), paging));
            })
            .Produces<Paged<ApiView>>()
            .WithSummary("List APIs (audiences), by name; ?search= filters by name or display name");

        apis.MapGet("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
                await admin.GetApiAsync(ResourceHttp.NameFromPath(context), ct) is { } view ? Results.Ok(view) : AdminApi.NotFound("such API"))
            .Produces<ApiView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Get one API. " + ResourceHttp.NameScheme);

        apis.MapPost("", async (HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ApiCreateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(await admin.CreateApiAsync(body!, AdminAccess.Caller(context), ct), "such API",
                    v => Results.Created(ResourceHttp.Location("apis", v.Name), v));
            })
            .Accepts<ApiCreateRequest>("application/json")
            .Produces<ApiView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create an API: name (an absolute URI), displayName, scopes, signingAlgorithm (ES256 or RS256), enabled, internal");

        apis.MapPut("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ApiUpdateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(
                    await admin.UpdateApiAsync(ResourceHttp.NameFromPath(context), body!, AdminAccess.Caller(context), ct), "such API", v => Results.Ok(v));
            })
            .Accepts<ApiUpdateRequest>("application/json")
            .Produces<ApiView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Replace an API's settings (an omitted field takes its default; the name cannot change). " + ResourceHttp.NameScheme);

        apis.MapDelete("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
                ResourceHttp.ToHttp(await admin.DeleteApiAsync(ResourceHttp.NameFromPath(context), AdminAccess.Caller(context), ct), "such API",
                    _ => Results.NoContent()))
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete an API; 409 while clients still use it (they are named). " + ResourceHttp.NameScheme);
    }

    private static void MapScopes(RouteGroupBuilder scopes)
    {
        scopes.MapGet("", async (int? page, int? pageSize, string? search, ResourceAdministration admin, CancellationToken ct) =>
            {
                var paging = PageRequest.From(page, pageSize);
                return TypedResults.Ok(ResourceHttp.Paged(await admin.ListScopesAsync(search, paging.Skip, paging.Size, ct), paging));
            })
            .Produces<Paged<ScopeView>>()
            .WithSummary("List scopes with the claim types each releases, the built-in OpenID Connect ones included; ?search= filters");

        scopes.MapGet("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
                await admin.GetScopeAsync(ResourceHttp.NameFromPath(context), ct) is { } view ? Results.Ok(view) : AdminApi.NotFound("such scope"))
            .Produces<ScopeView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Get one scope. " + ResourceHttp.NameScheme);

        scopes.MapPost("", async (HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ScopeCreateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(await admin.CreateScopeAsync(body!, AdminAccess.Caller(context), ct), "such scope",
                    v => Results.Created(ResourceHttp.Location("scopes", v.Name), v));
            })
            .Accepts<ScopeCreateRequest>("application/json")
            .Produces<ScopeView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a scope: name, description, claims (the claim types it releases)");

        scopes.MapPut("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ScopeUpdateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(
                    await admin.UpdateScopeAsync(ResourceHttp.NameFromPath(context), body!, AdminAccess.Caller(context), ct), "such scope", v => Results.Ok(v));
            })
            .Accepts<ScopeUpdateRequest>("application/json")
            .Produces<ScopeView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replace a scope's description and released claim types; new tokens carry the change. " + ResourceHttp.NameScheme);

        scopes.MapDelete("/{name}", async (string name, HttpContext context, ResourceAdministration admin, CancellationToken ct) =>
                ResourceHttp.ToHttp(await admin.DeleteScopeAsync(ResourceHttp.NameFromPath(context), AdminAccess.Caller(context), ct), "such scope",
                    _ => Results.NoContent()))
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a scope; 409 while an API or client still uses it (they are named). " + ResourceHttp.NameScheme);
    }
}
