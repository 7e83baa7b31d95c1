using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AuthServer.Configuration;
using AuthServer.Http;
using AuthServer.Signals;
using AuthServer.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Admin;

/// <summary>
/// One area of administration (clients, users, keys, ...): the services it needs and its REST endpoints under
/// <see cref="AdminApi.BasePath"/>. Its pages live under Pages/Admin. Areas are found by type at start.
/// </summary>
public interface IAdminModule
{
    void AddServices(IServiceCollection services)
    {
    }

    void MapApi(RouteGroupBuilder api);
}

/// <summary>
/// The admin REST API: bearer JWTs from this server (audience <see cref="AdminAccess.ApiName"/>, scope
/// <see cref="AdminAccess.Scope"/>), validated by AuthServer.Validation; errors as RFC 9457 problem details; an
/// OpenAPI document at /admin/api/v1/openapi.json.
/// </summary>
public static class AdminApi
{
    public const string BasePath = "/admin/api/v1";
    public const string OpenApiPath = "/admin/api/v1/openapi.json";

    /// <summary>Request bodies: camelCase, and a member the schema does not have (an id, a secret hash) is an error.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly IReadOnlyList<IAdminModule> Modules = typeof(AdminApi).Assembly.GetTypes()
        .Where(t => typeof(IAdminModule).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (IAdminModule)Activator.CreateInstance(t)!)
        .ToList();

    public static bool IsApiRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/admin/api", StringComparison.OrdinalIgnoreCase);

    public static void AddAdmin(this IServiceCollection services, AuthServerOptions options)
    {
        services.AddScoped<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, AdminRequirementHandler>();
        services.AddSingleton<InProcessMetadataHandler>();
        services.AddAuthorization(AdminAccess.AddPolicies);
        services.AddProblemDetails();
        services.AddAuthentication().AddAuthServer(AdminAccess.ApiScheme, _ => { });
        services.AddOptions<AuthServerValidationOptions>(AdminAccess.ApiScheme)
            .Configure<InProcessMetadataHandler>((o, handler) =>
            {
                o.Authority = options.Issuer;
                o.Audience = AdminAccess.ApiName;
                o.RequireHttps = false; // discovery and JWKS are read in process (InProcessMetadataHandler)
                o.Backchannel = new HttpClient(handler, disposeHandler: false);

                // Reading the JWKS in process costs nothing, so a token signed by a key made a moment ago (`rotate now`
                // does not publish ahead) is accepted after at most a second, not after the usual 30 s throttle.
                o.RefreshThrottle = TimeSpan.FromSeconds(1);
            });
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith(BasePath[1..], StringComparison.OrdinalIgnoreCase) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "AuthServer admin API";
                document.Info.Description =
                    $"Bearer JWTs issued by this server for the API '{AdminAccess.ApiName}' with the scope '{AdminAccess.Scope}'.";
                return Task.CompletedTask;
            });
        });
        foreach (var module in Modules)
        {
            module.AddServices(services);
        }
    }

    /// <summary>Errors under /admin/api are problem details, never a page or a stack trace.</summary>
    public static void UseAdminApiPipeline(this IApplicationBuilder api)
    {
        api.UseExceptionHandler(failed => failed.Run(context =>
        {
            var error = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
            if (error is not null && Data.DatabaseOutage.IsOutage(error))
            {
                Http.DatabaseOutageResponse.Record(context, error, context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminApi)));
                Http.DatabaseOutageResponse.SetStatus(context.Response);
                return Problem(StatusCodes.Status503ServiceUnavailable, "The database is unavailable; retry shortly.").ExecuteAsync(context);
            }

            // e.g. 413 above AuthServer:Http:MaxRequestBodySize
            return error is BadHttpRequestException bad
                ? Problem(bad.StatusCode, "The request could not be read: it is too large or malformed.").ExecuteAsync(context)
                : Problem(StatusCodes.Status500InternalServerError, "Something went wrong on our side. It has been logged.").ExecuteAsync(context);
        }));
        api.UseStatusCodePages(context => Problem(context.HttpContext.Response.StatusCode, null).ExecuteAsync(context.HttpContext));
        api.UseBadHttpRequestStatus().UseNulQueryRefusal();
        api.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(context);
        });
        api.UseAuthentication();
        api.UseAdminNotFoundWatch();
        api.UseAuthorization();
    }

    public static void MapAdminApi(this WebApplication app)
    {
        // Only the document that exists: any other name is a 404 problem, not the OpenAPI package's plain-text echo of it.
        app.MapOpenApi("/admin/api/{documentName:regex(^v1$)}/openapi.json");
        var api = app.MapGroup(BasePath).RequireAuthorization(AdminAccess.ApiPolicy).WithTags("admin");
        foreach (var module in Modules)
        {
            module.MapApi(api);
        }
    }

    /// <summary>A problem details result (RFC 9457) with a plain title for the status.</summary>
    public static ProblemHttpResult Problem(int status, string? detail) => TypedResults.Problem(
        statusCode: status,
        title: Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error",
        detail: detail);

    /// <summary>400 with each bad field's message, keyed by the field's JSON path (e.g. "redirectUris[1]").</summary>
    public static ValidationProblem Invalid(IEnumerable<(string Field, string Message)> errors) => TypedResults.ValidationProblem(
        errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        detail: "The request has invalid fields; see errors.");

    public static ProblemHttpResult NotFound(string what) => Problem(StatusCodes.Status404NotFound, $"There is no {what}.");

    public static ProblemHttpResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, detail);

    /// <summary>
    /// Reads a JSON request body as <typeparamref name="T"/>. Unknown members (ids, hashes, timestamps), a body that is not
    /// JSON, or not JSON of the right shape, give a 400 problem that names the path; never a 500.
    /// </summary>
    public static async Task<(T? Value, IResult? Error)> ReadBodyAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.HasJsonContentType() is false)
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Send the body as application/json."));
        }

        // The body is small (Kestrel's limit is 64 KiB): read it whole, so text that is not UTF-8, or a NUL that
        // PostgreSQL text cannot hold, is a 400 here rather than a failure wherever a value is first read.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
        {
            return (null, Invalid([("$", "The body is not UTF-8.")]));
        }

        if (bytes.Span.IndexOf("\\u0000"u8) >= 0)
        {
            return (null, Invalid([("$", "The body contains a NUL character.")]));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes.Span, Json);
            return value is null ? (null, Invalid([("$", "The body must be a JSON object.")])) : (value, null);
        }
        catch (JsonException e)
        {
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "This member is not part of the resource, or may not be written."
                : "This is not valid JSON of the expected shape.";
            return (null, Invalid([(e.Path ?? "$", message)]));
        }
    }
}

/// <summary>Paging for list endpoints and pages: page numbers from 1, at most 200 items a page (default 50).</summary>
public readonly record struct PageRequest(int Page, int Size)
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    public int Skip => (Page - 1) * Size;

    public static PageRequest From(int? page, int? size) =>
        new(Math.Max(1, page ?? 1), Math.Clamp(size ?? DefaultSize, 1, MaxSize));
}

/// <summary>One page of a list, and how many there are in all.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total)
{
    public int PageCount => (int)Math.Max(1, (Total + PageSize - 1) / PageSize);
}
