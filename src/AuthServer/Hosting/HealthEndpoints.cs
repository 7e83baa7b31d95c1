using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuthServer.Hosting;

/// <summary>
/// GET /health/live: the process runs and answers (200 "Healthy"; touches nothing, so a database outage never gets a
/// node restarted). GET /health/ready: the node can serve tokens now: database reachable, schema current, an active
/// signing key per algorithm; else 503. Both without credentials or cookies, uncacheable, and with no detail beyond
/// each check's status.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddAuthServerHealth(this IServiceCollection services)
    {
        services.AddSingleton<DatabaseProbe>();

        // The probe logs when the database goes away and comes back; the framework would log every failed check of
        // every probe (each second, per load balancer) as an error.
        services.AddLogging(b => b.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical));
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<SchemaHealthCheck>("schema", tags: [ReadyTag])
            .AddCheck<SigningKeysHealthCheck>("signing_keys", tags: [ReadyTag]);
        return services;
    }

    /// <summary>The health endpoints are no pages: no session cookie, no page error handling.</summary>
    public static bool IsHealthRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);

    public static void MapAuthServerHealth(this IEndpointRouteBuilder app)
    {
        // No check runs: "live" must not depend on anything a restart would not fix. Probes read: GET and HEAD only,
        // any other method is a 405.
        var probeMethods = new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).WithMetadata(probeMethods);
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadyAsync,
        }).WithMetadata(probeMethods);
    }

    /// <summary>{"status":"Unhealthy","checks":{"database":"Unhealthy","schema":"Unhealthy","signing_keys":"Healthy"}}</summary>
    private static Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", report.Status.ToString());
            w.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                w.WriteString(name, entry.Status.ToString());
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
