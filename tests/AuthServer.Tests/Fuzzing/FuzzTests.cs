using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AuthServer.Tests.Fuzzing;

/// <summary>
/// The fixed-seed fuzz run of the test suite (docs/fuzzing.md): every mapped endpoint, mutated requests, no 5xx, no
/// error logged, errors in their RFC shape. FUZZ_SEED, FUZZ_REQUESTS and FUZZ_SECONDS make it a longer run (bench/fuzz.sh).
/// </summary>
public abstract class FuzzTests(IFuzzFixture fixture, ITestOutputHelper output)
{
    public const int DefaultSeed = 20261123;
    public const int DefaultRequests = 1500;

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public void EveryMappedEndpoint_HasAGenerator()
    {
        var endpoints = FuzzEndpoints.Discover(Server.App.Services);
        Assert.Contains(endpoints, e => e.Pattern == "/connect/token");
        Assert.Contains(endpoints, e => e.Pattern == "/account/login");
        Assert.Contains(endpoints, e => e.StartsWith("/admin/api/v1/clients"));
        var uncovered = endpoints.Where(e => FuzzEndpoints.GeneratorFor(e) is null).Select(e => e.Pattern).ToList();
        Assert.True(uncovered.Count == 0, "endpoints without a fuzz generator (add one under tests/AuthServer.Tests/Fuzzing): " + string.Join(", ", uncovered));
    }

    [Fact]
    public async Task SeededRun_EveryEndpoint_NoServerErrorNoLoggedErrorAndRfcShapedErrors()
    {
        var seed = EnvInt("FUZZ_SEED") ?? DefaultSeed;
        var requests = EnvInt("FUZZ_REQUESTS") ?? DefaultRequests;
        TimeSpan? budget = EnvInt("FUZZ_SECONDS") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        var endpoints = FuzzEndpoints.Discover(Server.App.Services);
        var context = await FuzzContext.CreateAsync(Server, codes: Math.Clamp(requests / 40, 5, 200));

        var report = await new Fuzzer(context, fixture.Log, endpoints).RunAsync(seed, requests, budget);

        var file = Path.Combine(Path.GetTempPath(), $"authserver-fuzz-{GetType().Name}-{seed}.txt");
        await File.WriteAllTextAsync(file, report.Summary() + "\n" + string.Join("\n", report.Failures) + "\n\nanswers by endpoint:\n" + report.Depth());
        output.WriteLine($"{GetType().Name}: {report.Summary()}every failure: {file}");
        Console.WriteLine($"{GetType().Name}: {report.Summary().Split('\n')[0]} (every failure: {file})");
        Assert.True(report.Failures.Count == 0, $"{report.Failures.Count} fuzz failures (seed {seed}; rerun with FUZZ_SEED={seed}):\n{report.Summary()}");
        Assert.True(fixture.Log.Count == 0, "errors logged by the host:\n" + string.Join("\n", fixture.Log.Errors.Take(5)));
        Assert.All(endpoints, e => Assert.True(report.PerEndpoint.ContainsKey(e.Pattern), $"{e.Pattern} got no request"));
    }

    [Fact]
    public async Task AGarbledAntiforgeryCookie_IsNotLoggedAsAnError()
    {
        // Found by the fuzzer: antiforgery logged every undecryptable cookie at Error, so any client could fill the error log.
        var before = fixture.Log.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("Cookie", "authserver.antiforgery=CfDJ8garbage-that-does-not-decrypt");

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before, fixture.Log.Count);
    }

    private static int? EnvInt(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : null;
}

/// <summary>A server fixture whose host also logs to an in-memory <see cref="LogCapture"/>.</summary>
public interface IFuzzFixture
{
    AuthServerHost Host { get; }

    LogCapture Log { get; }
}

public sealed class FuzzSqliteFixture : SqliteServerFixture, IFuzzFixture
{
    public LogCapture Log { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Log);
}

public sealed class FuzzPostgresFixture : PostgresServerFixture, IFuzzFixture
{
    public LogCapture Log { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Log);
}

public sealed class SqliteFuzzTests(FuzzSqliteFixture fixture, ITestOutputHelper output) : FuzzTests(fixture, output), IClassFixture<FuzzSqliteFixture>;

public sealed class PostgresFuzzTests(FuzzPostgresFixture fixture, ITestOutputHelper output) : FuzzTests(fixture, output), IClassFixture<FuzzPostgresFixture>;
