namespace AuthServer.Observability;

/// <summary>
/// The "AuthServer:Telemetry" section: log format, and OpenTelemetry export over OTLP (off unless an endpoint is
/// configured here or in the standard OTEL_EXPORTER_OTLP_ENDPOINT variable). See docs/observability.md.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>The OTLP collector's base address, e.g. http://collector:4318 (http/protobuf) or http://collector:4317 (grpc).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>grpc or http/protobuf. Unset: OTEL_EXPORTER_OTLP_PROTOCOL, else grpc (the OpenTelemetry default).</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>service.name of every exported signal. Unset: OTEL_SERVICE_NAME, else "authserver".</summary>
    public string? ServiceName { get; set; }

    /// <summary>How often metrics are exported. Unset: OTEL_METRIC_EXPORT_INTERVAL, else 60 seconds.</summary>
    public TimeSpan? MetricExportInterval { get; set; }

    /// <summary>Console log format: json (one JSON object a line, the default outside Development) or text.</summary>
    public string? LogFormat { get; set; }

    public const string Json = "json";
    public const string Text = "text";
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>The problems of this section, each saying what to fix (the options validator calls this).</summary>
    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrEmpty(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return $"AuthServer:Telemetry:OtlpEndpoint '{OtlpEndpoint}' must be an absolute http(s) URL such as http://collector:4318.";
        }

        if (OtlpProtocol is not (null or "" or Grpc or HttpProtobuf))
        {
            yield return $"AuthServer:Telemetry:OtlpProtocol '{OtlpProtocol}' must be grpc or http/protobuf.";
        }

        if (MetricExportInterval is { } interval && (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromHours(1)))
        {
            yield return "AuthServer:Telemetry:MetricExportInterval must be between 00:00:00.1 and 01:00:00.";
        }

        if (LogFormat is not (null or "" or Json or Text))
        {
            yield return $"AuthServer:Telemetry:LogFormat '{LogFormat}' must be json or text.";
        }
    }
}
