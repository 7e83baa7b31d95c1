using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Browser;

/// <summary>The overview in a real browser, after some traffic and a secret brute force.</summary>
public sealed class AdminOverviewJourneyTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Overview_ShowsTokensPerClient_AndTheSignal()
    {
        for (var minute = 0; minute < 3; minute++)
        {
            for (var i = 0; i <= minute; i++)
            {
                await Server.IssueAsync(Opaque);
            }

            await Server.IssueAsync(Jwt);
            Server.Time.Advance(TimeSpan.FromMinutes(1));
        }

        // The default threshold: 10 failed client authentications a minute from one address.
        for (var i = 0; i < 10; i++)
        {
            using var response = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (OtherOpaque.Id, "guess-" + i));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await Server.FlushAuditAsync();
        var (page, _) = await browser.SignInAdminAsync(Server);

        Assert.Equal("9", await page.InnerTextAsync("#total-tokens"));
        Assert.Equal("6", await page.InnerTextAsync($"[id='client-{Opaque.Id}']"));
        Assert.Equal("3", await page.InnerTextAsync($"[id='client-{Jwt.Id}']"));
        Assert.Equal("10", await page.InnerTextAsync("[id='failure-client.authentication_failed']"));
        await page.Locator("#signals").GetByText("secret_brute_force").First.WaitForAsync();
        await page.Locator("#signals").GetByText("client:other-client").WaitForAsync();

        await AdminBrowser.ScreenshotAsync(page, "admin-overview");
        await page.Context.CloseAsync();
    }
}
