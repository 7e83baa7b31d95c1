using System.Net;
using System.Net.Http.Headers;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.RateLimiting;

/// <summary>POST /connect/token is counted per client: 3 an hour here. Each test spends the buckets of its own clients.</summary>
public abstract class TokenRateLimitTests(ServerFixture fixture)
{
    public const int Limit = 3;
    public static readonly string[] Args = RateLimitSettings.Low(("Token", Limit));
    private static readonly (string, string) ClientCredentials = ("grant_type", "client_credentials");
    private static readonly string RetryAfter = RateLimitSettings.RetryAfterOfEmpty(Limit);

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Token_ClientOverItsLimit_Gets429WithRetryAfter_AndAnotherClientIsStillServed()
    {
        using var meter = new RejectionMeter(Server);
        for (var i = 0; i < Limit; i++)
        {
            await Server.IssueAsync(Opaque);
        }

        using (var refused = await Server.PostFormAsync("/connect/token", [ClientCredentials], Opaque))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        await Server.IssueAsync(OtherOpaque);
        Assert.Equal([("token", 1L)], meter.Counts);
    }

    [Fact]
    public async Task Token_WithWrongSecret_SpendsTheClientsPermits()
    {
        for (var i = 0; i < Limit; i++)
        {
            using var wrong = await Server.PostFormAsync("/connect/token", [ClientCredentials], (Jwt.Id, "not-the-secret"));
            await ProtocolAssert.ErrorAsync(wrong, HttpStatusCode.Unauthorized, "invalid_client");
        }

        // The right secret now: refused before it is checked, as a guesser's next try would be.
        using var right = await Server.PostFormAsync("/connect/token", [ClientCredentials], Jwt);
        await RateLimitAssert.ProtocolAsync(right, RetryAfter);
    }

    [Fact]
    public async Task Token_ClientIdInTheForm_IsCountedPerThatClient()
    {
        for (var i = 0; i < Limit; i++)
        {
            using var response = await Server.PostFormAsync("/connect/token", [ClientCredentials, ("client_id", PublicApp)]);
            await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
        }

        using (var refused = await Server.PostFormAsync("/connect/token", [ClientCredentials, ("client_id", PublicApp)]))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        // Another client named in the form has its own bucket.
        using var other = await Server.PostFormAsync("/connect/token", [ClientCredentials, ("client_id", Spa)]);
        await ProtocolAssert.ErrorAsync(other, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Token_WithClientAssertionOnly_IsCountedPerTheClientItClaims()
    {
        // RFC 7523 §3: the assertion's sub (and iss) is the client id. The signature is the endpoint's business; the
        // bucket only needs the claim, as it only needs an unchecked client_id.
        static (string, string)[] Assertion(string client) =>
        [
            ClientCredentials,
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", $"{Segment("""{"alg":"ES256"}""")}.{Segment($$"""{"iss":"{{client}}","aud":"x","sub":"{{client}}","exp":1}""")}.c2ln"),
        ];

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < Limit; i++)
        {
            using var response = await Server.PostFormAsync("/connect/token", Assertion("asserting-client"));
            first.Add(response.StatusCode);
        }

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, first);
        using (var refused = await Server.PostFormAsync("/connect/token", Assertion("asserting-client")))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        using var other = await Server.PostFormAsync("/connect/token", Assertion("another-asserting-client"));
        Assert.Equal(first[0], other.StatusCode);
    }

    [Fact]
    public async Task Token_NamingNoClient_IsCountedBySource_AndAnUnreadableBodyStillGetsItsOwnError()
    {
        // A body the form reader refuses (a 3000-character key) is read early for counting, and fails there; the
        // endpoint still answers it with its own invalid_request, not with a 500 or a half-read form.
        using (var unreadable = await Server.Http.PostAsync("/connect/token", Form(new string('k', 3000) + "=1")))
        {
            var json = await ProtocolAssert.ErrorAsync(unreadable, HttpStatusCode.BadRequest, "invalid_request");
            Assert.Equal("The request body could not be read as a form.", json.GetProperty("error_description").GetString());
        }

        // Not a form at all: no body is read, counted by source too.
        using (var json = await Server.Http.PostAsync("/connect/token", new StringContent("{}", null, "application/json")))
        {
            await ProtocolAssert.ErrorAsync(json, HttpStatusCode.BadRequest, "invalid_request");
        }

        using (var anonymous = await Server.PostFormAsync("/connect/token", [ClientCredentials]))
        {
            await ProtocolAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "invalid_client");
        }

        using (var refused = await Server.PostFormAsync("/connect/token", [ClientCredentials]))
        {
            await RateLimitAssert.ProtocolAsync(refused, RetryAfter);
        }

        // Named clients from the same source are not affected.
        await Server.IssueAsync(NoDefaults, ("scope", "orders.read"));
    }

    private static string Segment(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static StringContent Form(string body) =>
        new(body, null, new MediaTypeHeaderValue("application/x-www-form-urlencoded"));
}

public sealed class SqliteTokenRateLimitFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => TokenRateLimitTests.Args;
}

public sealed class PostgresTokenRateLimitFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => TokenRateLimitTests.Args;
}

public sealed class SqliteTokenRateLimitTests(SqliteTokenRateLimitFixture fixture) : TokenRateLimitTests(fixture), IClassFixture<SqliteTokenRateLimitFixture>;

public sealed class PostgresTokenRateLimitTests(PostgresTokenRateLimitFixture fixture) : TokenRateLimitTests(fixture), IClassFixture<PostgresTokenRateLimitFixture>;
