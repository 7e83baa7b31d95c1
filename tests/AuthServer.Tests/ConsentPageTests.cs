using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>/account/consent: approving, refusing, remembering and revoking what a client asks for.</summary>
public abstract class ConsentPageTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private Task<PageSession> SignedInAsync() => CodeFlow.SignedInAsync(Server);

    private static string AuthorizeUrl(string clientId = "web-app", string redirectUri = WebCallback, params (string Name, string? Value)[] extra) =>
        CodeFlow.AuthorizeUrl(clientId, redirectUri, extra);

    private static Task<Dictionary<string, string>> RedirectParametersAsync(PageSession browser, string url) =>
        CodeFlow.RedirectParametersAsync(browser, url);

    [Fact]
    public async Task Consent_OnceAllowed_IsRemembered_UntilMoreIsAskedOrItIsRevoked()
    {
        using var browser = await SignedInAsync();
        var url = AuthorizeUrl(ConsentWeb.Id, extra: ("scope", "openid profile"));

        Assert.Equal("consent_required", (await RedirectParametersAsync(browser, AuthorizeUrl(ConsentWeb.Id, extra: ("prompt", "none"))))["error"]);
        var consentPage = await ConsentPageAsync(browser, url);
        var page = await browser.GetPageAsync(consentPage);
        Assert.Contains("See your name and username", page, StringComparison.Ordinal);
        using (var allowed = await browser.SubmitAsync(consentPage, ("decision", "allow"), ("ReturnUrl", ReturnUrlOf(consentPage))))
        {
            Assert.Equal(HttpStatusCode.Found, allowed.StatusCode);
            Assert.Equal(ReturnUrlOf(consentPage), allowed.Headers.Location!.OriginalString);
        }

        Assert.True((await RedirectParametersAsync(browser, url)).ContainsKey("code"));
        await ConsentPageAsync(browser, AuthorizeUrl(ConsentWeb.Id, extra: ("scope", "openid profile email")));
        await ConsentPageAsync(browser, AuthorizeUrl(ConsentWeb.Id, extra: [("scope", "openid profile"), ("prompt", "consent")]));

        using (var revoked = await browser.SubmitToAsync("/account/consent", "/account/consent?handler=revoke", ("clientId", ConsentWeb.Id)))
        {
            Assert.Equal(HttpStatusCode.Found, revoked.StatusCode);
        }

        await ConsentPageAsync(browser, url);
    }

    [Fact]
    public async Task Consent_Denied_ReturnsAccessDeniedToTheClientWithState()
    {
        using var browser = await SignedInAsync();
        var consentPage = await ConsentPageAsync(browser, AuthorizeUrl(ConsentWeb.Id));

        using var denied = await browser.SubmitAsync(consentPage, ("decision", "deny"), ("ReturnUrl", ReturnUrlOf(consentPage)));

        Assert.Equal(HttpStatusCode.Found, denied.StatusCode);
        var redirect = QueryHelpers.ParseQuery(new Uri(denied.Headers.Location!.OriginalString).Query);
        Assert.StartsWith(WebCallback + "?", denied.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("access_denied", redirect["error"].ToString());
        Assert.Equal("af0ifjsldkj/+ x", redirect["state"].ToString());
        Assert.Equal(Server.Issuer, redirect["iss"].ToString());
    }

    [Fact]
    public async Task Consent_WithAReturnUrlThatIsNoAuthorizationRequest_IsRefused()
    {
        using var browser = await SignedInAsync();

        using var response = await browser.GetAsync("/account/consent?returnUrl=" + Uri.EscapeDataString("/connect/authorize?client_id=consent-web&redirect_uri=https%3A%2F%2Fevil.example%2F"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<string> ConsentPageAsync(PageSession browser, string authorizeUrl)
    {
        using var response = await browser.GetAsync(authorizeUrl);
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"{(int)response.StatusCode}");
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/consent?returnUrl=", location, StringComparison.Ordinal);
        return location;
    }

    private static string ReturnUrlOf(string consentPage) => QueryHelpers.ParseQuery(consentPage.Split('?', 2)[1])["returnUrl"].ToString();
}

public sealed class SqliteConsentPageTests(SqliteServerFixture fixture) : ConsentPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresConsentPageTests(PostgresServerFixture fixture) : ConsentPageTests(fixture), IClassFixture<PostgresServerFixture>;
