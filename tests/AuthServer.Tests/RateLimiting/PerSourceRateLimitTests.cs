using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.RateLimiting;

/// <summary>
/// Everything but token, introspection, sign-in and health shares one bucket per source address (4 an hour here);
/// a refusal takes the form of the part of the server that was asked.
/// </summary>
public abstract class PerSourceRateLimitTests(ServerFixture fixture)
{
    public const int Limit = 4;
    public static readonly string[] Args = RateLimitSettings.Low(("PerSource", Limit), ("Health", 1));
    private static readonly string RetryAfter = RateLimitSettings.RetryAfterOfEmpty(Limit);

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Source_OverItsLimit_IsRefusedEverywhereElse_InEachPartsOwnForm()
    {
        using var meter = new RejectionMeter(Server);
        for (var i = 0; i < Limit; i++)
        {
            using var discovery = await Server.Http.GetAsync("/.well-known/openid-configuration");
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        }

        // Protocol endpoints: RFC 6749 §5.2 JSON.
        using (var jwks = await Server.Http.GetAsync("/.well-known/jwks.json"))
        {
            await RateLimitAssert.ProtocolAsync(jwks, RetryAfter);
        }

        using (var revoke = await Server.PostFormAsync("/connect/revoke", [("token", "whatever")], Opaque))
        {
            await RateLimitAssert.ProtocolAsync(revoke, RetryAfter);
        }

        // Pages: a small page.
        using (var home = await Server.Http.GetAsync("/"))
        {
            await RateLimitAssert.PageAsync(home, RetryAfter);
        }

        // The admin API: RFC 9457 problem details.
        using (var admin = await Server.Http.GetAsync("/admin/api/v1/clients"))
        {
            var body = await admin.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.TooManyRequests, admin.StatusCode);
            Assert.Equal("application/problem+json", admin.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-store", admin.Headers.CacheControl?.ToString());
            RateLimitAssert.RetryAfter(admin, RetryAfter);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal($"Too many requests; retry after {RetryAfter} seconds.", problem.GetProperty("detail").GetString());
        }

        // Token requests have their own per-client buckets; health probes their own per-source one.
        await Server.IssueAsync(Opaque);
        using (var health = await Server.Http.GetAsync("/health/live"))
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, health.StatusCode);
        }

        using (var health = await Server.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, health.StatusCode);
            Assert.Equal("text/plain", health.Content.Headers.ContentType?.MediaType);
            RateLimitAssert.RetryAfter(health, "3600");
        }

        Assert.Equal([("health", 1L), ("source", 4L)], meter.Counts);
    }
}

public sealed class SqlitePerSourceRateLimitFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => PerSourceRateLimitTests.Args;
}

public sealed class PostgresPerSourceRateLimitFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => PerSourceRateLimitTests.Args;
}

public sealed class SqlitePerSourceRateLimitTests(SqlitePerSourceRateLimitFixture fixture)
    : PerSourceRateLimitTests(fixture), IClassFixture<SqlitePerSourceRateLimitFixture>;

public sealed class PostgresPerSourceRateLimitTests(PostgresPerSourceRateLimitFixture fixture)
    : PerSourceRateLimitTests(fixture), IClassFixture<PostgresPerSourceRateLimitFixture>;
