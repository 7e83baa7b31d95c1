using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Observability;

/// <summary>One correlation id per request: taken from a safe caller header or made, echoed, and on every log line.</summary>
public abstract partial class CorrelationIdTests(ServerFixture fixture, CapturedLogs logs)
{
    private const string Header = "X-Correlation-Id";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task SafeCallerId_ProtocolError_IsEchoedAndOnEveryLogLineOfTheRequest()
    {
        var id = "req-" + Guid.NewGuid().ToString("N")[..12] + "_a.b";

        using var response = await SendAsync(HttpMethod.Post, "/connect/token", (Header, id));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(id, Echoed(response));
        var lines = logs.Entries.Where(e => e.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Contains("AuthServer.Http.ErrorResponseMiddleware", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains($"CorrelationId={id}", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SafeRequestIdHeader_IsUsedWhenNoCorrelationId()
    {
        var id = Guid.NewGuid().ToString("N");

        using var response = await SendAsync(HttpMethod.Get, MetadataPath, ("X-Request-Id", id));

        Assert.Equal(id, Echoed(response));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("<script>")]
    [InlineData("a/b")]
    [InlineData("ok%0d%0aSet-Cookie:x=1")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123X")]
    public async Task UnsafeCallerId_IsReplacedByAGeneratedOne(string unsafeId)
    {
        using var response = await SendAsync(HttpMethod.Get, MetadataPath, (Header, unsafeId));

        var echoed = Echoed(response);
        Assert.NotEqual(unsafeId, echoed);
        Assert.Matches(Generated(), echoed);
        Assert.DoesNotContain(logs.Entries, e => e.Contains(unsafeId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoCallerId_EveryKindOfResponse_CarriesADistinctGeneratedId()
    {
        using var token = await SendAsync(HttpMethod.Post, "/connect/token");
        using var page = await SendAsync(HttpMethod.Get, "/no-such-page");
        using var admin = await SendAsync(HttpMethod.Get, "/admin/api/v1/clients");
        using var ok = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], Opaque);

        var ids = new[] { token, page, admin, ok }.Select(Echoed).ToList();
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized, HttpStatusCode.OK],
            new[] { token, page, admin, ok }.Select(r => r.StatusCode));
        Assert.All(ids, id => Assert.Matches(Generated(), id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    private const string MetadataPath = "/.well-known/openid-configuration";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new FormUrlEncodedContent([]);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Server.Http.SendAsync(request);
    }

    private static string Echoed(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues(Header));

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Generated();
}

public sealed class SqliteCorrelationIdTests(SqliteCapturingFixture fixture)
    : CorrelationIdTests(fixture, fixture.Logs), IClassFixture<SqliteCapturingFixture>;

public sealed class PostgresCorrelationIdTests(PostgresCapturingFixture fixture)
    : CorrelationIdTests(fixture, fixture.Logs), IClassFixture<PostgresCapturingFixture>;
