using System.Net;
using System.Net.Http.Headers;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class UserInfoEndpointTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private Task<HttpResponseMessage> GetAsync(string? token, string scheme = "Bearer")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        return Server.Http.SendAsync(request);
    }

    [Theory]
    [InlineData("openid", new[] { "sub" })]
    [InlineData("openid profile", new[] { "preferred_username", "sub" })]
    [InlineData("openid profile email orders.read", new[] { "preferred_username", "sub" })]
    public async Task UserInfo_WithAnAccessToken_ReturnsTheClaimsItsScopesRelease(string scope, string[] claims)
    {
        var tokens = await CodeFlow.TokensAsync(Server, scope);

        using var response = await GetAsync(tokens.GetProperty("access_token").GetString());

        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal(claims, json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task UserInfo_WithAJwtAccessToken_Works()
    {
        using var browser = await CodeFlow.SignedInAsync(Server);
        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(Spa, SpaCallback, ("scope", "openid profile")), SpaCallback))["code"];
        using var tokenResponse = await Server.PostFormAsync("/connect/token",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", SpaCallback), ("code_verifier", CodeFlow.Verifier), ("client_id", Spa)]);
        var accessToken = (await ProtocolAssert.OkJsonAsync(tokenResponse)).GetProperty("access_token").GetString()!;

        using var response = await GetAsync(accessToken);

        Assert.Equal(3, accessToken.Count(c => c == '.') + 1);
        Assert.True((await ProtocolAssert.OkJsonAsync(response)).TryGetProperty("preferred_username", out _));
    }

    [Fact]
    public async Task UserInfo_ByPostWithTheTokenInTheBody_Works()
    {
        var tokens = await CodeFlow.TokensAsync(Server, "openid");

        using var response = await Server.PostFormAsync("/connect/userinfo", [("access_token", tokens.GetProperty("access_token").GetString()!)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UserInfo_WithTheTokenInTheHeaderAndTheBody_IsInvalidRequest()
    {
        var token = (await CodeFlow.TokensAsync(Server, "openid")).GetProperty("access_token").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/userinfo")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("access_token", token)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await Server.Http.SendAsync(request);

        await AssertChallengeAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task UserInfo_WithAnIdToken_IsInvalidToken()
    {
        var tokens = await CodeFlow.TokensAsync(Server, "openid");

        using var response = await GetAsync(tokens.GetProperty("id_token").GetString());

        await AssertChallengeAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task UserInfo_WithARevokedOrExpiredOrUnknownToken_IsInvalidToken()
    {
        var revoked = (await CodeFlow.TokensAsync(Server, "openid")).GetProperty("access_token").GetString()!;
        using (await Server.PostFormAsync("/connect/revoke", [("token", revoked)], Web))
        {
        }

        using var afterRevoke = await GetAsync(revoked);
        using var unknown = await GetAsync("0123456789ab" + new string('A', 43));

        await AssertChallengeAsync(afterRevoke, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertChallengeAsync(unknown, HttpStatusCode.Unauthorized, "invalid_token");

        var expiring = (await CodeFlow.TokensAsync(Server, "openid")).GetProperty("access_token").GetString()!;
        Server.Time.Advance(TimeSpan.FromSeconds(601));
        using var expired = await GetAsync(expiring);
        await AssertChallengeAsync(expired, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task UserInfo_WithAClientCredentialsToken_IsRefused()
    {
        var token = await Server.IssueAsync(Jwt);

        using var response = await GetAsync(token);

        await AssertChallengeAsync(response, HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task UserInfo_WithoutAToken_IsAChallengeWithoutAnError_AndWithAnotherSchemeIsInvalidRequest()
    {
        using var none = await GetAsync(null);
        using var basic = await GetAsync("dXNlcjpwYXNz", "Basic");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer realm=\"authserver\"", none.Headers.WwwAuthenticate.ToString());
        await AssertChallengeAsync(basic, HttpStatusCode.BadRequest, "invalid_request");
    }

    private static async Task AssertChallengeAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains($"error=\"{error}\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains($"\"error\":\"{error}\"", body, StringComparison.Ordinal);
    }
}

public sealed class SqliteUserInfoEndpointTests(SqliteServerFixture fixture) : UserInfoEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresUserInfoEndpointTests(PostgresServerFixture fixture) : UserInfoEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
