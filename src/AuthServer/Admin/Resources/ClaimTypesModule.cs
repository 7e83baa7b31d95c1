using AuthServer.Data;
using AuthServer.Data.Admin;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Resources;

namespace AuthServer.Admin.Resources;

/// <summary>
/// /admin/api/v1/claim-types: list (paged; the OpenID Connect standard claims are listed as built in), get, create
/// (201), replace (PUT), delete (204, or 409 while a scope releases the type or values of it are held).
/// </summary>
public sealed class ClaimTypesModule : IAdminModule
{
    public void AddServices(IServiceCollection services) =>
        services.AddSingleton(sp => new ClaimTypeAdministration(
            sp.GetRequiredService<AuthServerDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IResourceStore>() as ResourceStore));

    public void MapApi(RouteGroupBuilder api)
    {
        var types = api.MapGroup("/claim-types").WithTags("Claim types");
        types.MapGet("", async (int? page, int? pageSize, string? search, ClaimTypeAdministration admin, CancellationToken ct) =>
            {
                var paging = PageRequest.From(page, pageSize);
                return TypedResults.Ok(ResourceHttp.Paged(await admin.ListAsync(search, paging.Skip, paging.Size, ct), paging));
            })
            .Produces<Paged<ClaimTypeView>>()
            .WithSummary("List claim types: the store's, then the built-in OpenID Connect ones; ?search= filters");

        types.MapGet("/{name}", async (string name, HttpContext context, ClaimTypeAdministration admin, CancellationToken ct) =>
                await admin.GetAsync(ResourceHttp.NameFromPath(context), ct) is { } view ? Results.Ok(view) : AdminApi.NotFound("such claim type"))
            .Produces<ClaimTypeView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Get one claim type. " + ResourceHttp.NameScheme);

        types.MapPost("", async (HttpContext context, ClaimTypeAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ClaimTypeCreateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(await admin.CreateAsync(body!, AdminAccess.Caller(context), ct), "such claim type",
                    v => Results.Created(ResourceHttp.Location("claim-types", v.Name), v));
            })
            .Accepts<ClaimTypeCreateRequest>("application/json")
            .Produces<ClaimTypeView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Define a claim type: name, description, valueType (string, boolean, integer, json), sensitive");

        types.MapPut("/{name}", async (string name, HttpContext context, ClaimTypeAdministration admin, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ClaimTypeUpdateRequest>(context.Request);
                return error ?? ResourceHttp.ToHttp(
                    await admin.UpdateAsync(ResourceHttp.NameFromPath(context), body!, AdminAccess.Caller(context), ct), "such claim type", v => Results.Ok(v));
            })
            .Accepts<ClaimTypeUpdateRequest>("application/json")
            .Produces<ClaimTypeView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replace a claim type's description, value type and sensitivity; built-in ones are refused (409). " + ResourceHttp.NameScheme);

        types.MapDelete("/{name}", async (string name, HttpContext context, ClaimTypeAdministration admin, CancellationToken ct) =>
                ResourceHttp.ToHttp(await admin.DeleteAsync(ResourceHttp.NameFromPath(context), AdminAccess.Caller(context), ct), "such claim type",
                    _ => Results.NoContent()))
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a claim type; 409 while a scope releases it or a user or client holds a value (they are named). " + ResourceHttp.NameScheme);
    }
}
