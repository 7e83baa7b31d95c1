using AuthServer.Protocol.Keys;

namespace AuthServer.Admin.Keys;

/// <summary>GET /keys (the timeline and the schedule), POST /keys/rotate {algorithm}, POST /keys/{kid}/revoke.</summary>
public sealed class KeysModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<KeyAdministration>();

    public void MapApi(RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys");
        keys.MapGet("/", async (KeyAdministration admin, CancellationToken ct) => TypedResults.Ok(await admin.TimelineAsync(ct)))
            .Produces<KeyTimelineView>()
            .WithSummary("Every signing key (pending, active, retired, removed) with its dates and its next scheduled change");
        keys.MapPost("/rotate", RotateAsync)
            .Accepts<RotateKeyRequest>("application/json")
            .Produces<KeyChangesResult>()
            .ProducesValidationProblem()
            .WithSummary("Rotate now: the published pending key (or a new key) signs at once; the active key retires and stays published");
        keys.MapPost("/{kid}/revoke", RevokeAsync)
            .Produces<KeyChangesResult>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Emergency revoke: the key leaves JWKS and tokens it signed stop validating; revoking the active key rotates at once");
    }

    private static async Task<IResult> RotateAsync(HttpContext context, KeyAdministration admin, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadBodyAsync<RotateKeyRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }

        if (!KeyAdministration.IsSupported(body!.Algorithm))
        {
            return AdminApi.Invalid([("algorithm", $"Use one of {string.Join(", ", SigningAlgorithms.All)}.")]);
        }

        var changes = await admin.RotateAsync(body.Algorithm!, AdminAccess.Caller(context), cancellationToken);
        return TypedResults.Ok(new KeyChangesResult(changes));
    }

    private static async Task<IResult> RevokeAsync(string kid, HttpContext context, KeyAdministration admin, CancellationToken cancellationToken)
    {
        var changes = await admin.RevokeAsync(kid, AdminAccess.Caller(context), cancellationToken);
        return changes.Count == 0
            ? AdminApi.NotFound($"published signing key '{kid}'")
            : TypedResults.Ok(new KeyChangesResult(changes));
    }
}

public sealed record RotateKeyRequest(string? Algorithm);

public sealed record KeyChangesResult(IReadOnlyList<KeyChangeView> Changes);
