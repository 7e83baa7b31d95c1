using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class EndSessionEndpointTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    /// <summary>A signed-in browser and the ID token the web client got for that sign-in.</summary>
    private async Task<(PageSession Browser, string IdToken)> SignedInWithIdTokenAsync()
    {
        var browser = await CodeFlow.SignedInAsync(Server, "logout");
        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(extra: ("scope", "openid"))))["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code);
        return (browser, (await ProtocolAssert.OkJsonAsync(response)).GetProperty("id_token").GetString()!);
    }

    private static string EndSession(params (string Name, string Value)[] parameters) =>
        "/connect/endsession?" + string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));

    private static async Task<bool> SignedInAsync(PageSession browser) =>
        (await browser.GetPageAsync("/")).Contains("Signed in as", StringComparison.Ordinal);

    [Fact]
    public async Task EndSession_WithTheUsersIdTokenAndARegisteredUri_EndsTheSessionAndReturnsWithState()
    {
        var (browser, idToken) = await SignedInWithIdTokenAsync();
        using var _ = browser;

        using var response = await browser.GetAsync(EndSession(("id_token_hint", idToken), ("post_logout_redirect_uri", WebSignedOut), ("state", "s 1/+")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(WebSignedOut + "?state=s%201%2F%2B", response.Headers.Location!.OriginalString);
        Assert.False(await SignedInAsync(browser));
    }

    [Fact]
    public async Task EndSession_WithAnExpiredIdTokenHint_StillWorks()
    {
        var (browser, idToken) = await SignedInWithIdTokenAsync();
        using var _ = browser;
        Server.Time.Advance(TimeSpan.FromMinutes(30));

        using var response = await browser.GetAsync(EndSession(("id_token_hint", idToken), ("post_logout_redirect_uri", WebSignedOut)));

        Assert.Equal(WebSignedOut, response.Headers.Location!.OriginalString);
    }

    public static TheoryData<string> UnregisteredTargets => new()
    {
        "https://evil.example/",
        WebSignedOut + "/",
        WebSignedOut + "?x=1",
        WebCallback,
    };

    [Theory]
    [MemberData(nameof(UnregisteredTargets))]
    public async Task EndSession_WithAnUnregisteredPostLogoutUri_NeverRedirects_AndKeepsTheSession(string target)
    {
        var (browser, idToken) = await SignedInWithIdTokenAsync();
        using var _ = browser;

        using var response = await browser.GetAsync(EndSession(("id_token_hint", idToken), ("post_logout_redirect_uri", target)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.True(await SignedInAsync(browser));
    }

    [Fact]
    public async Task EndSession_WithAForgedOrWrongKindOfHint_IsRefused()
    {
        var (browser, idToken) = await SignedInWithIdTokenAsync();
        using var _ = browser;
        var parts = idToken.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{parts[2][..^4]}AAAA";
        var accessToken = await Server.IssueAsync(Jwt);

        using var forgedResponse = await browser.GetAsync(EndSession(("id_token_hint", forged), ("post_logout_redirect_uri", WebSignedOut)));
        using var accessResponse = await browser.GetAsync(EndSession(("id_token_hint", accessToken)));
        using var otherClient = await browser.GetAsync(EndSession(("id_token_hint", idToken), ("client_id", Spa)));

        Assert.Equal(HttpStatusCode.BadRequest, forgedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, accessResponse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherClient.StatusCode);
        Assert.True(await SignedInAsync(browser));
    }

    [Fact]
    public async Task EndSession_WithoutAHint_AsksTheUserFirst_ThenReturnsToTheClient()
    {
        var (browser, _) = await SignedInWithIdTokenAsync();
        using var session = browser;

        using var response = await browser.GetAsync(EndSession(("client_id", Web.Id), ("post_logout_redirect_uri", WebSignedOut), ("state", "abc")));
        var confirm = response.Headers.Location!.OriginalString;

        Assert.StartsWith("/account/logout?logoutId=", confirm, StringComparison.Ordinal);
        Assert.True(await SignedInAsync(browser));
        var page = await browser.GetPageAsync(confirm);
        var logoutId = System.Text.RegularExpressions.Regex.Match(page, "name=\"LogoutId\" value=\"([^\"]+)\"").Groups[1].Value;
        using var confirmed = await browser.SubmitAsync(confirm, ("LogoutId", System.Net.WebUtility.HtmlDecode(logoutId)));
        Assert.Equal(WebSignedOut + "?state=abc", confirmed.Headers.Location!.OriginalString);
        Assert.False(await SignedInAsync(browser));
    }

    [Fact]
    public async Task Logout_WithATamperedLogoutId_SignsOutButGoesNowhereElse()
    {
        var (browser, _) = await SignedInWithIdTokenAsync();
        using var session = browser;

        using var confirmed = await browser.SubmitAsync("/account/logout", ("LogoutId", "CfDJ8-not-a-real-protected-payload"));

        Assert.Equal(HttpStatusCode.Found, confirmed.StatusCode);
        Assert.StartsWith("/account/logout", confirmed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.False(await SignedInAsync(browser));
    }
}

public sealed class SqliteEndSessionEndpointTests(SqliteServerFixture fixture) : EndSessionEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresEndSessionEndpointTests(PostgresServerFixture fixture) : EndSessionEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
