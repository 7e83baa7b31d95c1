namespace AuthServer.Admin.Overview;

/// <summary>GET /admin/api/v1/overview: the figures of the /admin page, as JSON.</summary>
public sealed class OverviewModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<OverviewQueries>();

    public void MapApi(RouteGroupBuilder api) =>
        api.MapGet("/overview", async (OverviewQueries overview, CancellationToken cancellationToken) =>
                TypedResults.Ok(await overview.ReadAsync(cancellationToken)))
            .Produces<Overview>()
            .WithSummary("The last hour: tokens issued per minute by client and grant, failures, security events, signals");
}
