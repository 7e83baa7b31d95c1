using System.Net;
using System.Net.Http.Headers;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.RateLimiting;

/// <summary>
/// POST /connect/introspect and GET /connect/phantom are counted per calling client (3 an hour here), in one
/// bucket: the phantom endpoint is the gateway's way of introspecting. Each test spends its own caller's bucket.
/// </summary>
public abstract class IntrospectionRateLimitTests(ServerFixture fixture)
{
    public const int Limit = 3;
    public static readonly string[] Args = RateLimitSettings.Low(("Introspection", Limit));
    private static readonly string RetryAfter = RateLimitSettings.RetryAfterOfEmpty(Limit);

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Introspect_CallerOverItsLimit_Gets429_AndAnotherCallerIsStillServed()
    {
        using var meter = new RejectionMeter(Server);
        var token = await Server.IssueAsync(Opaque);
        for (var i = 0; i < Limit; i++)
        {
            Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
        }

        using (var refused = await Server.PostFormAsync("/connect/introspect", [("token", token)], Gateway))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        // Guessing with a wrong secret is refused just the same: the bucket is the caller's, spent before authentication.
        using (var wrongSecret = await Server.PostFormAsync("/connect/introspect", [("token", token)], (Gateway.Id, "guess")))
        {
            await RateLimitAssert.ProtocolAsync(wrongSecret, RetryAfter);
        }

        // Another caller has its own bucket: answered by the endpoint (this one may not introspect at all).
        using (var other = await Server.PostFormAsync("/connect/introspect", [("token", token)], Jwt))
        {
            await ProtocolAssert.ErrorAsync(other, HttpStatusCode.BadRequest, "unauthorized_client");
        }

        Assert.Equal([("introspection", 2L)], meter.Counts);
    }

    [Fact]
    public async Task Phantom_SharesTheGatewaysIntrospectionBucket()
    {
        var token = await Server.IssueAsync(Opaque);
        for (var i = 0; i < Limit - 1; i++)
        {
            using var phantom = await PhantomAsync(token);
            Assert.Equal(HttpStatusCode.OK, phantom.StatusCode);
        }

        Assert.True((await Server.IntrospectAsync(token, OrdersGateway)).GetProperty("active").GetBoolean());

        using (var refused = await PhantomAsync(token))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        using var introspect = await Server.PostFormAsync("/connect/introspect", [("token", token)], OrdersGateway);
        await RateLimitAssert.ProtocolAsync(introspect, RetryAfter);
    }

    private Task<HttpResponseMessage> PhantomAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom");
        request.Headers.Authorization = AuthServerHost.BasicHeader(OrdersGateway.Id, OrdersGateway.Secret);
        request.Headers.Add("X-Access-Token", new AuthenticationHeaderValue("Bearer", token).ToString());
        return Server.Http.SendAsync(request);
    }
}

public sealed class SqliteIntrospectionRateLimitFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => IntrospectionRateLimitTests.Args;
}

public sealed class PostgresIntrospectionRateLimitFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => IntrospectionRateLimitTests.Args;
}

public sealed class SqliteIntrospectionRateLimitTests(SqliteIntrospectionRateLimitFixture fixture)
    : IntrospectionRateLimitTests(fixture), IClassFixture<SqliteIntrospectionRateLimitFixture>;

public sealed class PostgresIntrospectionRateLimitTests(PostgresIntrospectionRateLimitFixture fixture)
    : IntrospectionRateLimitTests(fixture), IClassFixture<PostgresIntrospectionRateLimitFixture>;
