using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class RefreshTokenTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private async Task<JsonElement> GrantAsync(string scope = "openid offline_access orders.read") => await CodeFlow.TokensAsync(Server, scope);

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken, (string Id, string Secret)? client = null, string? scope = null) =>
        Server.PostFormAsync("/connect/token",
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken), .. scope is null ? Array.Empty<(string, string)>() : [("scope", scope)]],
            client ?? Web);

    private async Task<JsonElement> RefreshOkAsync(string refreshToken, string? scope = null)
    {
        using var response = await RefreshAsync(refreshToken, scope: scope);
        return await ProtocolAssert.OkJsonAsync(response);
    }

    private async Task<bool> ActiveAsync(string accessToken) =>
        (await Server.IntrospectAsync(accessToken, Gateway)).GetProperty("active").GetBoolean();

    [Fact]
    public async Task OfflineAccess_GivesAnOpaqueRefreshToken_AndWithoutIt_None()
    {
        var withOffline = await GrantAsync();
        var without = await GrantAsync("openid orders.read");

        Assert.Equal(55, withOffline.GetProperty("refresh_token").GetString()!.Length);
        Assert.False(without.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task Refresh_RotatesOnEveryUse()
    {
        var rt1 = (await GrantAsync()).GetProperty("refresh_token").GetString()!;

        var second = await RefreshOkAsync(rt1);
        var rt2 = second.GetProperty("refresh_token").GetString()!;
        var third = await RefreshOkAsync(rt2);

        Assert.NotEqual(rt1, rt2);
        Assert.NotEqual(rt2, third.GetProperty("refresh_token").GetString());
        Assert.True(await ActiveAsync(second.GetProperty("access_token").GetString()!));
        Assert.Equal("openid offline_access orders.read", second.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Refresh_UsedTokenPresentedAgain_RevokesTheWholeFamily()
    {
        var first = await GrantAsync();
        var rt1 = first.GetProperty("refresh_token").GetString()!;
        var second = await RefreshOkAsync(rt1);
        Server.Time.Advance(TimeSpan.FromSeconds(11));

        using var reuse = await RefreshAsync(rt1);
        using var successor = await RefreshAsync(second.GetProperty("refresh_token").GetString()!);

        await ProtocolAssert.ErrorAsync(reuse, HttpStatusCode.BadRequest, "invalid_grant");
        await ProtocolAssert.ErrorAsync(successor, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await ActiveAsync(first.GetProperty("access_token").GetString()!));
        Assert.False(await ActiveAsync(second.GetProperty("access_token").GetString()!));
    }

    [Fact]
    public async Task Refresh_SameTokenTwiceWithinTheGraceWindow_GetsTheSameSuccessor_AndTheFamilyLives()
    {
        var rt1 = (await GrantAsync()).GetProperty("refresh_token").GetString()!;

        var racing = await Task.WhenAll(RefreshAsync(rt1), RefreshAsync(rt1));
        var bodies = new List<JsonElement>();
        foreach (var response in racing)
        {
            bodies.Add(await ProtocolAssert.OkJsonAsync(response));
            response.Dispose();
        }

        var later = await RefreshOkAsync(rt1);

        var successor = bodies[0].GetProperty("refresh_token").GetString()!;
        Assert.Equal(successor, bodies[1].GetProperty("refresh_token").GetString());
        Assert.Equal(successor, later.GetProperty("refresh_token").GetString());
        Assert.NotEqual(bodies[0].GetProperty("access_token").GetString(), bodies[1].GetProperty("access_token").GetString());
        Assert.True((await RefreshOkAsync(successor)).TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task Refresh_ScopesOnlyNarrow()
    {
        var rt = (await GrantAsync()).GetProperty("refresh_token").GetString()!;

        using var wider = await RefreshAsync(rt, scope: "openid offline_access orders.read profile");
        var narrower = await RefreshOkAsync(rt, "orders.read");

        await ProtocolAssert.ErrorAsync(wider, HttpStatusCode.BadRequest, "invalid_scope");
        Assert.Equal("orders.read", narrower.GetProperty("scope").GetString());
        var introspection = await Server.IntrospectAsync(narrower.GetProperty("access_token").GetString()!, Gateway);
        Assert.Equal("orders.read", introspection.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Refresh_AnotherClientsToken_IsInvalidGrant()
    {
        var rt = (await GrantAsync()).GetProperty("refresh_token").GetString()!;

        using var response = await RefreshAsync(rt, WebWithoutPkce);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Refresh_UnusedPastTheIdleLifetime_Expires()
    {
        var rt = (await GrantAsync()).GetProperty("refresh_token").GetString()!;
        Server.Time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));

        using var response = await RefreshAsync(rt);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Refresh_UsedOftenStillEndsAtTheAbsoluteLifetime()
    {
        var rt = (await GrantAsync()).GetProperty("refresh_token").GetString()!;
        for (var day = 10; day < 30; day += 10)
        {
            Server.Time.Advance(TimeSpan.FromDays(10));
            rt = (await RefreshOkAsync(rt)).GetProperty("refresh_token").GetString()!;
        }

        Server.Time.Advance(TimeSpan.FromDays(10));
        using var response = await RefreshAsync(rt);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Revoke_RefreshToken_AlsoRevokesTheAccessTokensOfTheGrant()
    {
        var tokens = await GrantAsync();

        using (await Server.PostFormAsync("/connect/revoke", [("token", tokens.GetProperty("refresh_token").GetString()!)], Web))
        {
        }

        Assert.False(await ActiveAsync(tokens.GetProperty("access_token").GetString()!));
        using var refresh = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        await ProtocolAssert.ErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task RefreshToken_IsNeverActiveAtIntrospection_AndNotABearerTokenAtUserInfo()
    {
        var rt = (await GrantAsync()).GetProperty("refresh_token").GetString()!;

        var introspection = await Server.IntrospectAsync(rt, Gateway);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", rt);
        using var userinfo = await Server.Http.SendAsync(request);

        Assert.Equal("{\"active\":false}", introspection.GetRawText());
        Assert.Equal(HttpStatusCode.Unauthorized, userinfo.StatusCode);
        Assert.Contains("invalid_token", userinfo.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.False(await Database.AnyColumnContainsAsync(Server, rt[12..]));
    }
}

public sealed class SqliteRefreshTokenTests(SqliteServerFixture fixture) : RefreshTokenTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRefreshTokenTests(PostgresServerFixture fixture) : RefreshTokenTests(fixture), IClassFixture<PostgresServerFixture>;
