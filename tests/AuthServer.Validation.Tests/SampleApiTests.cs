using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AuthServer.Testing;
using AuthServer.Validation.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SampleApi;

namespace AuthServer.Validation.Tests;

/// <summary>samples/SampleApi, started in process the way its README describes, configured only through configuration.</summary>
public sealed class SampleApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private FakeAuthority _authority = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _authority = await FakeAuthority.StartAsync();
        _app = SampleApiApp.Build(
            [
                "--Urls=http://127.0.0.1:0",
                $"--Validation:Authority={_authority.Issuer}",
                $"--Validation:Audience={Tokens.Audience}",
                "--Validation:ClockSkew=00:00:10",
                $"--Validation:Introspection:ClientId={FakeAuthority.ClientId}",
                $"--Validation:Introspection:ClientSecret={FakeAuthority.ClientSecret}",
                "--SampleApi:RequiredScope=orders.write",
            ],
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(_time);
                builder.Logging.ClearProviders();
            });
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _authority.DisposeAsync();
    }

    [Fact]
    public async Task WhoAmI_ReturnsWhatTheTokenSaid()
    {
        var payload = Tokens.Payload(_authority.Issuer, _time);
        payload["act"] = new Dictionary<string, object> { ["sub"] = "gateway" };
        payload["jti"] = "jti-1";
        var token = Tokens.Sign(TestKey.Es256, Tokens.Header(TestKey.Es256), payload);

        var body = await GetJsonAsync("/whoami", token, HttpStatusCode.OK);

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expected = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["sub"] = "alice",
            ["client_id"] = "orders-client",
            ["scope"] = "orders.read profile",
            ["claims"] = new Dictionary<string, object>
            {
                ["iss"] = _authority.Issuer,
                ["sub"] = "alice",
                ["aud"] = Tokens.Audience,
                ["exp"] = now + 300,
                ["iat"] = now,
                ["nbf"] = now,
                ["jti"] = "jti-1",
                ["client_id"] = "orders-client",
                ["scope"] = new[] { "orders.read", "profile" },
                ["act"] = new Dictionary<string, object> { ["sub"] = "gateway" },
            },
            ["token_typ"] = "at+jwt",
            ["token_format"] = "jwt",
        }, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.Equal(expected, body.GetRawText());
    }

    [Fact]
    public async Task WhoAmI_WithoutAToken_Is401()
    {
        var response = await _client.GetAsync("/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task WhoAmI_WithAnOpaqueToken_IntrospectsWithTheConfiguredClient()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        _authority.SetIntrospection("opaque-1", new { active = true, sub = "bob", client_id = "c", scope = "orders.write", aud = Tokens.Audience, exp = now + 60 });

        var body = await GetJsonAsync("/whoami", "opaque-1", HttpStatusCode.OK);

        Assert.Equal("bob", body.GetProperty("sub").GetString());
        Assert.Equal("opaque", body.GetProperty("token_format").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("token_typ").ValueKind);
    }

    [Fact]
    public async Task Protected_RequiresTheConfiguredScope()
    {
        var without = await SendAsync("/protected", Token("orders.read"));
        var with = await GetJsonAsync("/protected", Token("orders.read orders.write"), HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.EndsWith("scope=\"orders.write\"", without.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"message":"You hold the required scope.","required_scope":"orders.write","sub":"alice"}""", with.GetRawText());
    }

    [Fact]
    public async Task ClockSkew_FromConfiguration_IsUsed()
    {
        var payload = Tokens.Payload(_authority.Issuer, _time);
        payload["exp"] = _time.GetUtcNow().AddSeconds(-11).ToUnixTimeSeconds();

        var response = await SendAsync("/whoami", Tokens.Sign(TestKey.Es256, Tokens.Header(TestKey.Es256), payload));

        Harness.AssertInvalidToken(response, "The access token has expired.");
    }

    private string Token(string scope)
    {
        var payload = Tokens.Payload(_authority.Issuer, _time);
        payload["scope"] = scope;
        return Tokens.Sign(TestKey.Es256, Tokens.Header(TestKey.Es256), payload);
    }

    private Task<HttpResponseMessage> SendAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _client.SendAsync(request);
    }

    private async Task<JsonElement> GetJsonAsync(string path, string token, HttpStatusCode expected)
    {
        var response = await SendAsync(path, token);
        Assert.Equal(expected, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
