namespace AuthServer.Admin;

/// <summary>GET /admin/api/v1/me: who the admin API takes the caller to be, and so what the audit log will record.</summary>
public sealed class WhoAmIModule : IAdminModule
{
    public void MapApi(RouteGroupBuilder api) =>
        api.MapGet("/me", (HttpContext context) => TypedResults.Ok(new WhoAmI(AdminAccess.Actor(context.User))))
            .WithSummary("The caller, as the audit log records it");
}

public sealed record WhoAmI(string Actor);
