using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Http.HttpTestSupport;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Http;

/// <summary>
/// CORS answers the origins enabled clients registered, on token, userinfo, revoke, discovery and JWKS only; every
/// other origin and every other endpoint gets no CORS header.
/// </summary>
public abstract class CorsTests(ServerFixture fixture) : IAsyncLifetime
{
    private const string Spa = "https://spa.example.test";
    private const string LocalDev = "http://127.0.0.1:5173";
    private const string Stranger = "https://evil.example.test";
    private const string OfDisabledClient = "https://disabled.example.test";
    private static readonly (string Id, string Secret) CorsClient = ("cors-client", new string('s', 43));
    private static readonly TimeSpan ClientCacheLifetime = TimeSpan.FromSeconds(30);

    private AuthServerHost Server => fixture.Host;

    public async Task InitializeAsync()
    {
        await Server.ImportAsync($$"""
            {"clients":[
              {"clientId":"{{CorsClient.Id}}","secret":{"value":"{{CorsClient.Secret}}"},"grantTypes":["client_credentials"],
               "allowedScopes":["orders.read"],"defaultScopes":["orders.read"],"allowedApis":["{{Orders}}"],
               "corsOrigins":["{{Spa}}","{{LocalDev}}"]},
              {"clientId":"cors-disabled","secret":{"value":"{{new string('d', 43)}}"},"grantTypes":["client_credentials"],
               "allowedScopes":["orders.read"],"allowedApis":["{{Orders}}"],"enabled":false,"corsOrigins":["{{OfDisabledClient}}"]}
            ]}
            """);

        // Whatever an earlier test left cached, the origins above are read again.
        Server.Time.Advance(ClientCacheLifetime + TimeSpan.FromSeconds(1));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/jwks.json")]
    public async Task Metadata_FromARegisteredOrigin_IsReadable(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, Spa);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAllowed(response, Spa);
    }

    [Fact]
    public async Task Token_FromARegisteredOrigin_IsReadable()
    {
        using var response = await TokenAsync(Server.Http, CorsClient, ("Origin", LocalDev));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAllowed(response, LocalDev);
    }

    [Fact]
    public async Task TokenError_FromARegisteredOrigin_IsReadable()
    {
        using var response = await TokenAsync(Server.Http, (CorsClient.Id, "wrong"), ("Origin", Spa));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        AssertAllowed(response, Spa);
    }

    [Fact]
    public async Task UserInfo_FromARegisteredOrigin_ExposesTheBearerChallenge()
    {
        using var response = await SendAsync(HttpMethod.Get, "/connect/userinfo", Spa);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertAllowed(response, Spa);
        Assert.Equal("WWW-Authenticate", Header(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task Revoke_FromARegisteredOrigin_IsReadable()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("token", "unknown")]),
        };
        request.Headers.Authorization = AuthServerHost.BasicHeader(CorsClient.Id, CorsClient.Secret);
        request.Headers.Add("Origin", Spa);

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAllowed(response, Spa);
    }

    [Theory]
    [InlineData("/connect/token", "POST")]
    [InlineData("/connect/revoke", "POST")]
    [InlineData("/connect/userinfo", "GET, POST")]
    [InlineData("/.well-known/jwks.json", "GET")]
    public async Task Preflight_FromARegisteredOrigin_Is204WithWhatMaySend(string path, string methods)
    {
        using var response = await PreflightAsync(path, Spa);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertAllowed(response, Spa);
        Assert.Equal(methods, Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("Authorization, Content-Type", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
    }

    [Theory]
    [InlineData(Stranger)]
    [InlineData(OfDisabledClient)]
    [InlineData("https://SPA.example.test")]
    [InlineData("https://spa.example.test:443")]
    [InlineData("null")]
    public async Task OriginNotRegisteredByAnEnabledClient_GetsNoCorsHeaders(string origin)
    {
        using var token = await TokenAsync(Server.Http, CorsClient, ("Origin", origin));
        using var discovery = await SendAsync(HttpMethod.Get, "/.well-known/openid-configuration", origin);
        using var preflight = await PreflightAsync("/connect/token", origin);

        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        foreach (var response in new[] { token, discovery, preflight })
        {
            AssertNoCors(response);
            Assert.Contains("Origin", Header(response, "Vary"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/connect/introspect")]
    [InlineData("/connect/authorize")]
    [InlineData("/connect/phantom")]
    [InlineData("/admin/api/v1/clients")]
    [InlineData("/account/login")]
    public async Task EndpointsBrowsersDoNotCall_NeverGetCorsHeaders(string path)
    {
        using var get = await SendAsync(HttpMethod.Get, path, Spa);
        using var post = await SendAsync(HttpMethod.Post, path, Spa);
        using var preflight = await PreflightAsync(path, Spa);

        foreach (var response in new[] { get, post, preflight })
        {
            AssertNoCors(response);
        }

        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
    }

    [Fact]
    public async Task OriginAddedByReimport_IsHonouredOnceTheClientCacheExpires()
    {
        const string Late = "https://late.example.test";
        using (var before = await SendAsync(HttpMethod.Get, "/.well-known/jwks.json", Spa))
        {
            AssertAllowed(before, Spa); // the registered origins are now cached
        }

        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"cors-late","secret":{"value":"{{new string('l', 43)}}"},"grantTypes":["client_credentials"],
              "allowedScopes":["orders.read"],"allowedApis":["{{Orders}}"],"corsOrigins":["{{Late}}"]}]}
            """);
        using (var cached = await SendAsync(HttpMethod.Get, "/.well-known/jwks.json", Late))
        {
            AssertNoCors(cached);
        }

        Server.Time.Advance(ClientCacheLifetime + TimeSpan.FromSeconds(1));

        using var after = await SendAsync(HttpMethod.Get, "/.well-known/jwks.json", Late);
        AssertAllowed(after, Late);
    }

    private static void AssertAllowed(HttpResponseMessage response, string origin)
    {
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", Header(response, "Vary"), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    private static void AssertNoCors(HttpResponseMessage response) =>
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string origin)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        return await Server.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await Server.Http.SendAsync(request);
    }
}

public sealed class SqliteCorsTests(SqliteServerFixture fixture) : CorsTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresCorsTests(PostgresServerFixture fixture) : CorsTests(fixture), IClassFixture<PostgresServerFixture>;
