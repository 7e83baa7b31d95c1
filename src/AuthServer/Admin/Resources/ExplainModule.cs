namespace AuthServer.Admin.Resources;

/// <summary>POST /admin/api/v1/explain: which claims each token would carry for a client, user, scopes and API, and why.</summary>
public sealed class ExplainModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<ClaimsPreview>();

    public void MapApi(RouteGroupBuilder api) =>
        api.MapPost("/explain", async (HttpContext context, ClaimsPreview preview, CancellationToken ct) =>
            {
                var (body, error) = await AdminApi.ReadBodyAsync<ExplainRequest>(context.Request);
                if (error is not null)
                {
                    return error;
                }

                var (result, errors) = await preview.ExplainAsync(body!, ct);
                return result is null ? AdminApi.Invalid(errors) : Results.Ok(result);
            })
            .WithTags("Explain")
            .Accepts<ExplainRequest>("application/json")
            .Produces<ExplainResponse>()
            .ProducesValidationProblem()
            .WithSummary("Preview the claims of the access token (per API), ID token and userinfo for {clientId, userName?, scopes[], api?}, "
                + "and why other claims are not released; nothing is issued");
}
