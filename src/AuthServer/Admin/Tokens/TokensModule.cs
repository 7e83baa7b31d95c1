using AuthServer.Admin.Users;
using AuthServer.Data.Admin.Tokens;

namespace AuthServer.Admin.Tokens;

/// <summary>
/// /admin/api/v1/tokens, /token-families and /grants: find stored tokens, revoke one or a family, list and revoke a
/// user's consents. Tokens are named by their jti; no token value or stored hash is ever returned.
/// </summary>
public sealed class TokensModule : IAdminModule
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<TokenAdministration>();

    public void MapApi(RouteGroupBuilder api)
    {
        api.MapGet("/tokens", async (string? clientId, string? subject, int? page, int? pageSize, TokenAdministration admin, CancellationToken ct) =>
            {
                var request = PageRequest.From(page, pageSize);
                var list = await admin.FindAsync(clientId, subject, request.Skip, request.Size, ct);
                return TypedResults.Ok(new Paged<TokenSummary>(list.Items, request.Page, request.Size, list.Total));
            })
            .Produces<Paged<TokenSummary>>()
            .WithTags("tokens")
            .WithSummary("Stored tokens of a client and/or subject (user name, user id or client id), newest first");

        api.MapPost("/tokens/{reference}/revoke", async (string reference, HttpContext context, TokenAdministration admin, CancellationToken ct) =>
                AdminCallers.Answer(await admin.RevokeAsync(reference, AdminAccess.Caller(context), ct)))
            .Produces<TokenSummary>()
            .ProducesChangeProblems()
            .WithTags("tokens")
            .WithSummary("Revoke one token, named by its reference (jti)");

        api.MapPost("/token-families/{familyId}/revoke", async (string familyId, HttpContext context, TokenAdministration admin, CancellationToken ct) =>
                AdminCallers.Answer(await admin.RevokeFamilyAsync(familyId, AdminAccess.Caller(context), ct)))
            .Produces<FamilyRevocation>()
            .ProducesChangeProblems()
            .WithTags("tokens")
            .WithSummary("Revoke every token of a family (a refresh-token chain and its access tokens)");

        api.MapGet("/grants", async (string? userName, TokenAdministration admin, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(userName))
                {
                    return AdminApi.Invalid([("userName", "Name the user whose grants to list.")]);
                }

                return await admin.GrantsAsync(userName, ct) is { } grants ? Results.Ok(grants) : AdminApi.NotFound($"user '{userName}'");
            })
            .Produces<IReadOnlyList<GrantSummary>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("grants")
            .WithSummary("The clients a user consented to");

        api.MapDelete("/grants/{userName}/{clientId}", async (string userName, string clientId, HttpContext context, TokenAdministration admin, CancellationToken ct) =>
                AdminCallers.Answer(await admin.RevokeGrantAsync(userName, clientId, AdminAccess.Caller(context), ct)))
            .Produces<GrantRevocation>()
            .ProducesChangeProblems()
            .WithTags("grants")
            .WithSummary("Revoke a user's consent to a client, and that client's tokens for the user");
    }
}
