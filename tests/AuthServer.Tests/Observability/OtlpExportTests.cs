using AuthServer.Hosting;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AuthServer.Tests.Observability;

/// <summary>
/// OpenTelemetry's meter provider subscribes to every meter named AuthServer in the process, and when one is disposed
/// it retires the metric stream that all meters of that name share (opentelemetry-dotnet issue 6412). A server process
/// has one such meter; a test process has one per host, so these tests run alone, while no other host is disposed.
/// </summary>
[CollectionDefinition(nameof(OtlpExportCollection), DisableParallelization = true)]
public sealed class OtlpExportCollection;

/// <summary>OpenTelemetry export over OTLP/HTTP to a fake collector; none at all when not configured.</summary>
[Collection(nameof(OtlpExportCollection))]
public sealed class OtlpExportTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OtlpEndpointConfigured_TokenIssued_CollectorReceivesTheMetricAndTracesWithoutQueryValues()
    {
        using var collector = new FakeOtlpCollector();
        using var folder = new TempFolder();
        await using var host = await AuthServerHost.StartAsync(HostSettings.NewSqlite(folder.Path) with
        {
            ExtraArgs =
            [
                $"--AuthServer:Telemetry:OtlpEndpoint={collector.Endpoint}",
                "--AuthServer:Telemetry:OtlpProtocol=http/protobuf",
                "--AuthServer:Telemetry:ServiceName=authserver-otlp-test",
                "--AuthServer:Telemetry:MetricExportInterval=00:00:00.2",
                "--AuthServer:Telemetry:LogFormat=text",
                "--OTEL_BSP_SCHEDULE_DELAY=200",
            ],
        });
        var client = await ImportUniqueClientAsync(host);

        await host.IssueAsync(client);
        var marker = "q" + Guid.NewGuid().ToString("N");
        using (await host.Http.GetAsync($"/connect/userinfo?access_token={marker}"))
        {
        }

        var metrics = await collector.WaitForAsync("metrics",
            FakeOtlpCollector.Contains("authserver.tokens.issued", client.Id, "authserver-otlp-test"), Patience);
        Assert.NotEmpty(metrics);
        await collector.WaitForAsync("traces", FakeOtlpCollector.Contains("/connect/userinfo"), Patience);

        // The span of a request records its path; a query's values (which may be tokens) never leave the process.
        Assert.DoesNotContain(collector.Received("traces"), body => FakeOtlpCollector.Contains(marker)(body));
        Assert.NotNull(host.App.Services.GetService<MeterProvider>());
        Assert.Equal(ConsoleFormatterNames.Simple, host.Service<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    [Fact]
    public async Task StandardOtelVariables_TokenIssued_CollectorReceivesTheMetric()
    {
        using var collector = new FakeOtlpCollector();
        using var folder = new TempFolder();
        await using var host = await AuthServerHost.StartAsync(HostSettings.NewSqlite(folder.Path) with
        {
            // The same names as the environment variables: configuration reads both.
            ExtraArgs =
            [
                $"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Endpoint}",
                "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
                "--OTEL_METRIC_EXPORT_INTERVAL=200",
            ],
        });
        var client = await ImportUniqueClientAsync(host);

        await host.IssueAsync(client);

        await collector.WaitForAsync("metrics", FakeOtlpCollector.Contains("authserver.tokens.issued", client.Id), Patience);
    }

    [Fact]
    public void NotConfigured_NoOpenTelemetryProviderOrExporterExists()
    {
        var services = fixture.Host.App.Services;

        Assert.Null(services.GetService<MeterProvider>());
        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<OpenTelemetry.Logs.LoggerProvider>());
    }

    [Fact]
    public void ProductionDefault_LogsAreJsonWithScopes()
    {
        var services = fixture.Host.App.Services;

        Assert.Equal(ConsoleFormatterNames.Json, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        Assert.True(services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
    }

    [Theory]
    [InlineData("OtlpEndpoint", "collector:4318", "AuthServer:Telemetry:OtlpEndpoint")]
    [InlineData("OtlpEndpoint", "ftp://collector", "AuthServer:Telemetry:OtlpEndpoint")]
    [InlineData("OtlpProtocol", "http/json", "AuthServer:Telemetry:OtlpProtocol")]
    [InlineData("MetricExportInterval", "00:00:00.01", "AuthServer:Telemetry:MetricExportInterval")]
    [InlineData("LogFormat", "xml", "AuthServer:Telemetry:LogFormat")]
    public void InvalidTelemetrySetting_StopsTheStartSayingWhatToFix(string name, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine([$"--AuthServer:Telemetry:{name}={value}"]).Build();

        var e = Assert.Throws<StartupException>(() => AuthServerApp.LoadOptions(configuration));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static async Task<(string Id, string Secret)> ImportUniqueClientAsync(AuthServerHost host)
    {
        await host.ImportAsync(TestClients.Json);
        var client = ("otlp-" + Guid.NewGuid().ToString("N")[..12], new string('z', 20) + "-otlp-secret-0123456789");
        await host.ImportAsync($$"""
            {"clients":[{"clientId":"{{client.Item1}}","secret":{"value":"{{client.Item2}}"},"grantTypes":["client_credentials"],
              "allowedScopes":["orders.read"],"defaultScopes":["orders.read"],"allowedApis":["{{TestClients.Orders}}"]}]}
            """);
        return client;
    }
}
