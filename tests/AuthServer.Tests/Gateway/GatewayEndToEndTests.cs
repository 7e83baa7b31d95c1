using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.Testing;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests;

/// <summary>
/// AuthServer, the nginx gateway recipe and two sample APIs using AuthServer.Validation, all on loopback: opaque
/// tokens outside, phantom JWTs inside, internal JWTs accepted directly, exchanged tokens only where they belong.
/// </summary>
public sealed class GatewayEndToEndTests : IAsyncLifetime
{
    private const string ApiA = "https://api.e2e.test/a";
    private const string ApiB = "https://api.e2e.test/b";
    private static readonly TimeSpan PhantomCache = TimeSpan.FromSeconds(2);
    private static readonly (string Id, string Secret) Partner = ("e2e-partner", new string('1', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) Internal = ("e2e-internal", new string('2', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) Service = ("e2e-service", new string('3', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) Gateway = ("e2e-gateway", new string('4', 20) + "-secret-0123456789abcdefghij");
    private const string TokenType = "urn:ietf:params:oauth:token-type:access_token";

    private readonly TempFolder _folder = new();
    private AuthServerHost _server = null!;
    private WebApplication _apiA = null!;
    private WebApplication _apiB = null!;
    private NginxGateway _gateway = null!;
    private int _apiARequests;

    private static string Configuration => $$"""
    {
      "claimTypes": [{ "name": "department" }],
      "scopes": [{ "name": "a.read", "claims": ["department"] }, { "name": "b.read", "claims": ["department"] }],
      "apis": [
        { "name": "{{ApiA}}", "scopes": ["a.read"], "signingAlgorithm": "ES256" },
        { "name": "{{ApiB}}", "scopes": ["b.read"], "signingAlgorithm": "ES256", "internal": true }
      ],
      "clients": [
        { "clientId": "{{Partner.Id}}", "secret": { "value": "{{Partner.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["a.read", "b.read"], "defaultScopes": ["a.read"], "allowedApis": ["{{ApiA}}", "{{ApiB}}"],
          "accessTokenFormat": "opaque", "claims": { "department": "partners" } },
        { "clientId": "{{Internal.Id}}", "secret": { "value": "{{Internal.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["a.read"], "defaultScopes": ["a.read"], "allowedApis": ["{{ApiA}}"], "accessTokenFormat": "jwt",
          "claims": { "department": "billing" } },
        { "clientId": "{{Service.Id}}", "secret": { "value": "{{Service.Secret}}" },
          "grantTypes": ["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"],
          "allowedScopes": ["a.read"], "defaultScopes": ["a.read"], "allowedApis": ["{{ApiA}}"], "accessTokenFormat": "jwt",
          "tokenExchange": { "audiences": ["{{ApiB}}"], "subjectAudiences": ["{{ApiA}}"], "delegation": true } },
        { "clientId": "{{Gateway.Id}}", "secret": { "value": "{{Gateway.Secret}}" }, "introspectionApis": ["{{ApiA}}"] }
      ]
    }
    """;

    public async Task InitializeAsync()
    {
        // The APIs validate with the same clock as the server, so token lifetimes line up.
        _server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path) with
        {
            ExtraArgs = [$"--AuthServer:Gateway:PhantomCacheLifetime={PhantomCache}"],
        });
        var import = await _server.ImportAsync(Configuration);
        Assert.Empty(import.Errors);
        _apiA = await StartApiAsync(ApiA, "a.read", () => Interlocked.Increment(ref _apiARequests));
        _apiB = await StartApiAsync(ApiB, "b.read", () => { });
        _gateway = await NginxGateway.StartAsync(new Uri(_server.Issuer), new Uri(_apiA.Urls.First()), Gateway.Id, Gateway.Secret);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _apiA.DisposeAsync();
        await _apiB.DisposeAsync();
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<WebApplication> StartApiAsync(string audience, string scope, Action onRequest)
    {
        var app = SampleApi.SampleApiApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration["Validation:Authority"] = _server.Issuer;
            builder.Configuration["Validation:Audience"] = audience;
            builder.Configuration["Validation:RequireHttps"] = "false";
            builder.Configuration["SampleApi:RequiredScope"] = scope;
            builder.Services.AddSingleton<TimeProvider>(_server.Time);
            builder.Services.AddSingleton<IStartupFilter>(new CountingFilter(onRequest));
        });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task OpaqueToken_ThroughTheGateway_ReachesTheApiAsAPhantomJwtWithTheStoresClaims()
    {
        var opaque = await _server.IssueAsync(Partner);

        var (status, body) = await GetAsync(_gateway.BaseAddress, "/protected", opaque);
        var (whoStatus, who) = await GetAsync(_gateway.BaseAddress, "/whoami", opaque);

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.True(whoStatus == HttpStatusCode.OK, who);
        var json = JsonDocument.Parse(who).RootElement;
        Assert.Equal("at+jwt", json.GetProperty("token_typ").GetString());
        Assert.Equal(Partner.Id, json.GetProperty("sub").GetString());
        Assert.Equal("partners", json.GetProperty("claims").GetProperty("department").GetString());
        Assert.DoesNotContain(opaque, who, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task NoValidToken_IsRefusedByTheGateway_BeforeTheApi(string? token)
    {
        var before = Volatile.Read(ref _apiARequests);

        var (status, _) = await GetAsync(_gateway.BaseAddress, "/protected", token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(before, Volatile.Read(ref _apiARequests));
    }

    [Fact]
    public async Task RevokedToken_IsRefusedByTheGateway_WithinItsStatedCacheTime()
    {
        var opaque = await _server.IssueAsync(Partner);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_gateway.BaseAddress, "/protected", opaque)).Status);

        using var revoke = await _server.PostFormAsync("/connect/revoke", [("token", opaque)], Partner);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var revokedAt = Stopwatch.StartNew();

        // nginx's cache runs on real time, in whole seconds: the stated bound is the cache lifetime plus one second.
        // Poll (bounded) and allow one more second for scheduling on a busy machine.
        var stated = PhantomCache + TimeSpan.FromSeconds(1);
        var deadline = stated + TimeSpan.FromSeconds(3);
        HttpStatusCode status;
        do
        {
            status = (await GetAsync(_gateway.BaseAddress, "/protected", opaque)).Status;
            if (status == HttpStatusCode.OK)
            {
                await Task.Delay(100);
            }
        }
        while (status == HttpStatusCode.OK && revokedAt.Elapsed < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(revokedAt.Elapsed <= stated + TimeSpan.FromSeconds(1), $"refused after {revokedAt.Elapsed}");
    }

    [Fact]
    public async Task InternalClientsJwt_IsAcceptedByTheApiDirectly()
    {
        var jwt = await _server.IssueAsync(Internal);

        var (status, who) = await GetAsync(new Uri(_apiA.Urls.First()), "/whoami", jwt);

        Assert.True(status == HttpStatusCode.OK, who);
        Assert.Equal("billing", JsonDocument.Parse(who).RootElement.GetProperty("claims").GetProperty("department").GetString());
    }

    [Fact]
    public async Task ExchangedTokenForApiB_IsAcceptedByB_AndRefusedByA()
    {
        var subject = await _server.IssueAsync(Partner, ("scope", "a.read b.read"));
        var actor = await _server.IssueAsync(Service);
        using var response = await _server.PostFormAsync("/connect/token",
        [
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("subject_token", subject),
            ("subject_token_type", TokenType), ("actor_token", actor), ("actor_token_type", TokenType), ("audience", ApiB),
        ], Service);
        var exchanged = (await ProtocolAssert.OkJsonAsync(response)).GetProperty("access_token").GetString()!;

        var (atB, whoB) = await GetAsync(new Uri(_apiB.Urls.First()), "/protected", exchanged);
        var (atA, _) = await GetAsync(new Uri(_apiA.Urls.First()), "/whoami", exchanged);

        Assert.True(atB == HttpStatusCode.OK, whoB);
        Assert.Equal(HttpStatusCode.Unauthorized, atA);
        var (_, who) = await GetAsync(new Uri(_apiB.Urls.First()), "/whoami", exchanged);
        Assert.Contains(Service.Id, JsonDocument.Parse(who).RootElement.GetProperty("claims").GetProperty("act").ToString(), StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri baseAddress, string path, string? token)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Counts the requests that reach an API, to prove the gateway refused before it.</summary>
    private sealed class CountingFilter(Action onRequest) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                onRequest();
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
