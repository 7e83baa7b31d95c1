using AuthServer.Http;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuthServer.Observability;

/// <summary>Console log format, the logging floor that keeps query strings out of logs, and OTLP export when configured.</summary>
public static class TelemetrySetup
{
    /// <summary>The standard OpenTelemetry variable (also read as configuration, e.g. from the environment).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void AddAuthServerTelemetry(this WebApplicationBuilder builder, TelemetryOptions options)
    {
        AddConsoleFormat(builder, options);

        // ASP.NET Core's "Request starting/finished" lines carry the raw query string, and a query may carry a token
        // (end session's id_token_hint, RFC 6750 §2.3's access_token). That category is never enabled below Warning;
        // request counts and durations come from the http.server.* metrics instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        // Kestrel's bad-request lines (Debug) quote the malformed request line, query string included.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Information);

        var exporter = OtlpTarget(builder.Configuration, options);
        if (exporter is null)
        {
            // Not configured: no OpenTelemetry services at all, so nothing is collected or exported.
            return;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                options.ServiceName is { Length: > 0 } name ? name : builder.Configuration["OTEL_SERVICE_NAME"] ?? "authserver"))
            .WithMetrics(metrics => metrics
                .AddMeter(AuthServerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation())
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation())
            .WithLogging();
        exporter(otel);

        builder.Services.Configure<OpenTelemetryLoggerOptions>(o =>
        {
            o.IncludeScopes = true; // the correlation id
            o.IncludeFormattedMessage = true;
        });
        if (options.MetricExportInterval is { } interval)
        {
            builder.Services.ConfigureAll<MetricReaderOptions>(o =>
                o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds);
        }
    }

    /// <summary>How to export, or null when no endpoint is configured (AuthServer:Telemetry:OtlpEndpoint or the standard variable).</summary>
    private static Action<IOpenTelemetryBuilder>? OtlpTarget(IConfiguration configuration, TelemetryOptions options)
    {
        if (options.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            var protocol = (options.OtlpProtocol is { Length: > 0 } p ? p : configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]) switch
            {
                TelemetryOptions.HttpProtobuf => OtlpExportProtocol.HttpProtobuf,
                _ => OtlpExportProtocol.Grpc,
            };

            // A base address: with http/protobuf each signal is sent to its /v1/{metrics,traces,logs} path.
            return b => b.UseOtlpExporter(protocol, new Uri(endpoint));
        }

        // Everything else (protocol, headers, timeouts) comes from the standard OTEL_EXPORTER_OTLP_* settings.
        return string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]) ? null : b => b.UseOtlpExporter();
    }

    private static void AddConsoleFormat(WebApplicationBuilder builder, TelemetryOptions options)
    {
        var json = options.LogFormat is { Length: > 0 } format
            ? format == TelemetryOptions.Json
            : !builder.Environment.IsDevelopment();
        if (json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);
        }
    }
}
