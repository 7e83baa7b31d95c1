using System.Net;
using System.Net.Sockets;
using System.Text;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// GET /connect/phantom: the introspection endpoint's phantom token shaped for a gateway's auth_request, as an
/// X-Phantom-Token header with a cache lifetime, or an RFC 6750 refusal.
/// </summary>
public abstract class PhantomTokenEndpointTests(ServerFixture fixture) : PhantomTokenTestBase(fixture)
{
    [Fact]
    public async Task Phantom_ActiveToken_Returns200WithThePhantomHeaderCacheableFor30Seconds()
    {
        var token = await Server.IssueAsync(Opaque);
        var json = await Server.IntrospectAsync(token, OrdersGateway);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Equal("private, max-age=30", CacheControl(response));
        Assert.Empty(response.Headers.WwwAuthenticate);
        var phantom = Assert.Single(response.Headers.GetValues("X-Phantom-Token"));
        await AssertSignedAsync(phantom, "at+jwt", "ES256", Orders, lifetime: true);
        Assert.Equal(json.GetProperty("jti").GetString(), new JsonWebToken(phantom).Id);
        Assert.Equal(json.GetProperty("exp").GetInt64(), Payload(phantom).GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Phantom_TokenExpiringSooner_IsCacheableOnlyUntilItExpires()
    {
        var token = await Server.IssueAsync(Opaque);

        Server.Time.Advance(TimeSpan.FromSeconds(590));
        using var tenLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromSeconds(9));
        using var oneLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromMilliseconds(500));
        using var halfLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromMilliseconds(500));
        using var expired = await PhantomAsync(OrdersGateway, "Bearer " + token);

        Assert.Equal("private, max-age=10", CacheControl(tenLeft));
        Assert.Equal("private, max-age=1", CacheControl(oneLeft));
        Assert.Equal(HttpStatusCode.OK, halfLeft.StatusCode);
        Assert.Equal("no-store", CacheControl(halfLeft));
        AssertRefused(expired, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_WithConfiguredCacheLifetime_UsesIt()
    {
        var settings = Server.Settings with { ExtraArgs = [.. Server.Settings.ExtraArgs, "--AuthServer:Gateway:PhantomCacheLifetime=00:00:05"] };
        await using var server = await AuthServerHost.StartAsync(settings, new AuthServer.Testing.FakeTimeProvider(Server.Time.GetUtcNow()));
        var token = await server.IssueAsync(Opaque);

        using var request = PhantomRequest(OrdersGateway, "Bearer " + token);
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("private, max-age=5", CacheControl(response));
    }

    [Fact]
    public async Task Phantom_WithoutForwardedToken_Returns401WithABareBearerChallenge()
    {
        using var response = await PhantomAsync(OrdersGateway);

        AssertRefused(response, null);
    }

    [Theory]
    [InlineData("Basic eHl6")]
    [InlineData("Bearer")]
    [InlineData("{token}")]
    [InlineData("Token {token}")]
    public async Task Phantom_ForwardedValueNotABearerToken_Returns401InvalidToken(string value)
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(OrdersGateway, value.Replace("{token}", token, StringComparison.Ordinal));

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_TwoForwardedTokenHeaders_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        // Two header lines, which HttpClient would fold into one: written by hand.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /connect/phantom HTTP/1.1\r\nHost: 127.0.0.1:{Server.Port}\r\n"
            + $"Authorization: {AuthServerHost.BasicHeader(OrdersGateway.Id, OrdersGateway.Secret)}\r\n"
            + $"X-Access-Token: Bearer {token}\r\nX-Access-Token: Bearer {token}\r\nConnection: close\r\n\r\n"));
        var lines = (await new StreamReader(stream, Encoding.ASCII).ReadToEndAsync()).Split("\r\n");

        Assert.Equal("HTTP/1.1 401 Unauthorized", lines[0]);
        Assert.Contains("Cache-Control: no-store", lines);
        Assert.Contains(lines, l => l.StartsWith("WWW-Authenticate: Bearer realm=\"authserver\", error=\"invalid_token\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("X-Phantom-Token", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Phantom_TwoTokensFoldedIntoOneHeader_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token, "Bearer " + token);

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Theory]
    [MemberData(nameof(Inactive))]
    public async Task Phantom_InactiveToken_Returns401InvalidToken(string why)
    {
        var token = await InactiveTokenAsync(why);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token);

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_WithWrongOrNoGatewayCredentials_Returns401InvalidClientWithBasicChallenge()
    {
        var token = await Server.IssueAsync(Opaque);

        using var wrongSecret = await PhantomAsync((OrdersGateway.Id, "wrong"), "Bearer " + token);
        using var anonymous = await PhantomAsync(null, "Bearer " + token);

        await ProtocolAssert.ErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
        await ProtocolAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.False(wrongSecret.Headers.Contains("X-Phantom-Token"));
    }

    [Fact]
    public async Task Phantom_ByClientWithoutIntrospectionPermission_IsRefused()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(Opaque, "Bearer " + token);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
    }

    [Fact]
    public async Task Phantom_ByPost_Returns405()
    {
        var token = await Server.IssueAsync(Opaque);
        using var request = PhantomRequest(OrdersGateway, "Bearer " + token);
        request.Method = HttpMethod.Post;

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
    }

    private static HttpRequestMessage PhantomRequest((string Id, string Secret)? gateway, params string[] forwarded)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom");
        if (gateway is { } g)
        {
            request.Headers.Authorization = AuthServerHost.BasicHeader(g.Id, g.Secret);
        }

        if (forwarded.Length > 0)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("X-Access-Token", forwarded));
        }

        return request;
    }

    private async Task<HttpResponseMessage> PhantomAsync((string Id, string Secret)? gateway, params string[] forwarded)
    {
        using var request = PhantomRequest(gateway, forwarded);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>RFC 6750 §3 refusal of /connect/phantom: 401, the challenge, never cacheable, no body, no phantom.</summary>
    private static void AssertRefused(HttpResponseMessage response, string? error)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        if (error is null)
        {
            Assert.Equal("Bearer realm=\"authserver\"", challenge);
        }
        else
        {
            Assert.StartsWith($"Bearer realm=\"authserver\", {error}, error_description=", challenge, StringComparison.Ordinal);
        }

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
    }

    /// <summary>The Cache-Control header as sent (the typed header would reorder its directives).</summary>
    private static string CacheControl(HttpResponseMessage response) =>
        Assert.Single(response.Headers.NonValidated["Cache-Control"]);
}

public sealed class SqlitePhantomTokenEndpointTests(SqliteServerFixture fixture) : PhantomTokenEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresPhantomTokenEndpointTests(PostgresServerFixture fixture) : PhantomTokenEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
