using AuthServer.Data.Admin;

namespace AuthServer.Admin.Clients;

/// <summary>
/// /admin/api/v1/clients: list, read, create, replace, rotate the secret, disable, enable and delete OAuth clients.
/// Responses never hold a secret hash; a new secret appears once, in the response of the change that made it.
/// </summary>
public sealed class ClientsModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<ClientAdministration>();

    public void MapApi(RouteGroupBuilder api)
    {
        var clients = api.MapGroup("/clients").WithTags("clients");

        clients.MapGet("/", ListAsync)
            .Produces<Paged<ClientSummary>>()
            .WithSummary("Lists clients; search matches the client id or display name, ignoring case");

        clients.MapGet("/{clientId}", GetAsync)
            .Produces<ClientDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One client and all its settings (never its secret)");

        clients.MapPost("/", CreateAsync)
            .Accepts<NewClient>("application/json")
            .Produces<ClientWithSecret>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Creates a client; a confidential client's generated secret is in the response, once");

        clients.MapPut("/{clientId}", UpdateAsync)
            .Accepts<ClientSettings>("application/json")
            .Produces<ClientWithSecret>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Replaces every setting of a client (members left out take their defaults)");

        clients.MapPost("/{clientId}/secret", RotateSecretAsync)
            .Produces<ClientSecretIssued>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Replaces the client's secret: the old one stops working now; the new one is shown once");

        clients.MapPost("/{clientId}/disable", (string clientId, HttpContext context) => SetEnabledAsync(clientId, false, context))
            .Produces<ClientDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Disables a client: it can no longer authenticate");

        clients.MapPost("/{clientId}/enable", (string clientId, HttpContext context) => SetEnabledAsync(clientId, true, context))
            .Produces<ClientDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Enables a client again");

        clients.MapDelete("/{clientId}", DeleteAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Deletes a client and revokes its active tokens");
    }

    private static async Task<IResult> ListAsync(ClientAdministration admin, string? search, int? page, int? pageSize, CancellationToken ct)
    {
        var request = PageRequest.From(page, pageSize);
        var list = await admin.ListAsync(search, request.Skip, request.Size, ct);
        return TypedResults.Ok(new Paged<ClientSummary>(list.Items, request.Page, request.Size, list.Total));
    }

    private static async Task<IResult> GetAsync(ClientAdministration admin, string clientId, CancellationToken ct) =>
        await admin.GetAsync(clientId, ct) is { } client ? TypedResults.Ok(client) : Missing(clientId);

    private static async Task<IResult> CreateAsync(ClientAdministration admin, HttpContext context)
    {
        var (body, error) = await AdminApi.ReadBodyAsync<NewClient>(context.Request);
        if (error is not null)
        {
            return error;
        }

        var change = await admin.CreateAsync(body!, AdminAccess.Caller(context), context.RequestAborted);
        return change.Outcome == ClientOutcome.Done
            ? TypedResults.Created($"{AdminApi.BasePath}/clients/{Uri.EscapeDataString(change.Client!.ClientId)}",
                new ClientWithSecret(change.Client, change.Secret))
            : Failed(change, body!.ClientId ?? "");
    }

    private static async Task<IResult> UpdateAsync(ClientAdministration admin, string clientId, HttpContext context)
    {
        var (body, error) = await AdminApi.ReadBodyAsync<ClientSettings>(context.Request);
        if (error is not null)
        {
            return error;
        }

        var change = await admin.UpdateAsync(clientId, body!, AdminAccess.Caller(context), context.RequestAborted);
        return change.Outcome == ClientOutcome.Done ? TypedResults.Ok(new ClientWithSecret(change.Client!, change.Secret)) : Failed(change, clientId);
    }

    private static async Task<IResult> RotateSecretAsync(ClientAdministration admin, string clientId, HttpContext context)
    {
        var change = await admin.RotateSecretAsync(clientId, AdminAccess.Caller(context), context.RequestAborted);
        return change.Outcome == ClientOutcome.Done ? TypedResults.Ok(new ClientSecretIssued(clientId, change.Secret!)) : Failed(change, clientId);
    }

    private static async Task<IResult> SetEnabledAsync(string clientId, bool enabled, HttpContext context)
    {
        var admin = context.RequestServices.GetRequiredService<ClientAdministration>();
        var change = await admin.SetEnabledAsync(clientId, enabled, AdminAccess.Caller(context), context.RequestAborted);
        return change.Outcome == ClientOutcome.Done ? TypedResults.Ok(change.Client) : Failed(change, clientId);
    }

    private static async Task<IResult> DeleteAsync(ClientAdministration admin, string clientId, HttpContext context)
    {
        var change = await admin.DeleteAsync(clientId, AdminAccess.Caller(context), context.RequestAborted);
        return change.Outcome == ClientOutcome.Done ? TypedResults.NoContent() : Failed(change, clientId);
    }

    private static IResult Failed(ClientChange change, string clientId) => change.Outcome switch
    {
        ClientOutcome.NotFound => Missing(clientId),
        ClientOutcome.Conflict => AdminApi.Conflict(change.Detail ?? "The client already exists."),
        _ => AdminApi.Invalid(change.Errors ?? []),
    };

    private static IResult Missing(string clientId) => AdminApi.NotFound($"client '{clientId}'");

}

/// <summary>A client's new secret, shown once: only its hash is stored.</summary>
public sealed record ClientSecretIssued(string ClientId, string Secret);
