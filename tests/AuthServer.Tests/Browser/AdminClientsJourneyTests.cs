using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.Playwright;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Browser;

/// <summary>An admin manages clients in Chromium: create one and use its secret, rotate it, and a hostile display name stays inert.</summary>
public sealed class AdminClientsJourneyTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task CreateAConfidentialClient_GetATokenWithTheSecretShownOnce_ThenRotateIt()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);
        var id = "journey-" + Guid.NewGuid().ToString("N")[..8];

        await page.ClickAsync("nav >> text=Clients");
        await page.ClickAsync("text=New client");
        await page.FillAsync("#ClientId", id);
        await page.FillAsync("#DisplayName", "Nightly export");
        await page.CheckAsync("input[name='Form.GrantTypes'][value='client_credentials']");
        await page.CheckAsync("input[name='Form.AllowedScopes'][value='orders.read']");
        await page.CheckAsync("input[name='Form.DefaultScopes'][value='orders.read']");
        await page.CheckAsync($"input[name='Form.AllowedApis'][value='{Orders}']");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();

        var secret = (await page.Locator("#new-secret").InnerTextAsync()).Trim();
        Assert.True(secret.Length >= 43);
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));

        await page.ClickAsync("text=Go to the client");
        await page.Locator("main h1").GetByText("Client " + id).WaitForAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await AdminBrowser.ScreenshotAsync(page, "admin-client-edit");

        await page.ClickAsync("text=Rotate secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate the secret" }).ClickAsync();
        var rotated = (await page.Locator("#new-secret").InnerTextAsync()).Trim();
        Assert.NotEqual(secret, rotated);

        using var old = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (id, secret));
        await ProtocolAssert.ErrorAsync(old, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.NotEmpty(await Server.IssueAsync((id, rotated), ("scope", "orders.read")));

        await page.GotoAsync(Server.Issuer + "/admin/clients");
        await page.Locator("#clients").GetByText(id).WaitForAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-clients");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ADisplayNameWithScript_IsShownAsTextAndNeverRuns()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            Interlocked.Increment(ref dialogs);
            await dialog.DismissAsync();
        };
        const string Hostile = "<script>alert(1)</script>";
        var id = "xss-" + Guid.NewGuid().ToString("N")[..8];

        await page.GotoAsync(Server.Issuer + "/admin/clients/new");
        await page.FillAsync("#ClientId", id);
        await page.FillAsync("#DisplayName", Hostile);
        await page.SelectOptionAsync("#Type", "public");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        await page.Locator("main h1").GetByText("Client " + id).WaitForAsync();
        Assert.Equal(Hostile, await page.InputValueAsync("#DisplayName"));

        await page.GotoAsync(Server.Issuer + "/admin/clients?search=" + id);
        var row = page.Locator("#clients tbody tr");
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal(Hostile, (await row.Locator("td").Nth(1).InnerTextAsync()).Trim());
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        Assert.Equal(0, Volatile.Read(ref dialogs));
        await page.Context.CloseAsync();
    }
}
