using System.Security.Claims;
using System.Text.Json.Nodes;
using AuthServer.Validation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;

namespace SampleApi;

/// <summary>
/// A small API protected by AuthServer access tokens. Everything comes from configuration: the <c>Validation</c>
/// section binds <see cref="AuthServerValidationOptions"/> (Validation__Authority in the environment), and
/// <c>SampleApi:RequiredScope</c> names the scope <c>GET /protected</c> requires.
/// </summary>
public static class SampleApiApp
{
    public const string DefaultRequiredScope = "orders.read";

    private const string ProtectedPolicy = "protected";

    /// <summary>Builds the application; the caller runs it, or starts it in process (tests).</summary>
    /// <param name="configure">Lets a test add configuration or replace services (e.g. the TimeProvider).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(SampleApiApp).Assembly.GetName().Name,
        });
        var configuration = builder.Configuration;

        // Read when the options are first needed, so configuration added by `configure` counts too.
        builder.Services.AddAuthServerAuthentication(o => configuration.GetSection("Validation").Bind(o));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ProtectedPolicy, p => p.RequireScope(RequiredScope(configuration)));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/whoami", WhoAmIAsync).RequireAuthorization();
        app.MapGet("/protected", (ClaimsPrincipal user, IConfiguration config) => Results.Json(new
        {
            message = "You hold the required scope.",
            required_scope = RequiredScope(config),
            sub = user.FindFirst(TokenClaims.Subject)?.Value,
        })).RequireAuthorization(ProtectedPolicy);
        return app;
    }

    private static string RequiredScope(IConfiguration configuration) =>
        configuration["SampleApi:RequiredScope"] is { Length: > 0 } scope ? scope : DefaultRequiredScope;

    /// <summary>What the token said: the usual members on top, then every claim (repeated types as arrays).</summary>
    private static async Task<IResult> WhoAmIAsync(ClaimsPrincipal user, HttpContext http)
    {
        var authentication = await http.AuthenticateAsync();
        var claims = new JsonObject();
        foreach (var group in user.Claims.GroupBy(c => c.Type, StringComparer.Ordinal))
        {
            var values = group.Select(ToJson).ToArray();
            claims[group.Key] = values.Length == 1 ? values[0] : new JsonArray(values);
        }

        return Results.Json(new JsonObject
        {
            ["sub"] = user.FindFirst(TokenClaims.Subject)?.Value,
            ["client_id"] = user.FindFirst(TokenClaims.ClientId)?.Value,
            ["scope"] = string.Join(' ', user.FindAll(TokenClaims.Scope).Select(c => c.Value)),
            ["claims"] = claims,
            ["token_typ"] = Property(authentication, AuthServerValidationDefaults.TokenTypeProperty),
            ["token_format"] = Property(authentication, AuthServerValidationDefaults.TokenFormatProperty),
        });
    }

    private static string? Property(AuthenticateResult authentication, string name) =>
        authentication.Properties is { } properties && properties.Items.TryGetValue(name, out var value) ? value : null;

    /// <summary>Numbers, booleans and JSON objects (e.g. act) as themselves; everything else as a string.</summary>
    private static JsonNode? ToJson(Claim claim) => claim.ValueType switch
    {
        ClaimValueTypes.Integer64 or ClaimValueTypes.Integer or ClaimValueTypes.Double or ClaimValueTypes.Boolean
            or JsonClaimValueTypes.Json => JsonNode.Parse(claim.Value),
        _ => JsonValue.Create(claim.Value),
    };
}
