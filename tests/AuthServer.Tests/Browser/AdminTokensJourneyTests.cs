using AuthServer.Tests.Infrastructure;
using Microsoft.Playwright;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Browser;

/// <summary>The tokens and users admin pages in Chromium: revoke a token an API was given; create, lock and unlock a user.</summary>
public sealed class AdminTokensJourneyTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    private static PageWaitForURLOptions Committed => new() { WaitUntil = WaitUntilState.Commit };

    [Fact]
    public async Task Admin_FindsATokenByClient_RevokesItWithTheConfirmation_AndIntrospectionSaysInactive()
    {
        var token = await Server.IssueAsync(Opaque, ("scope", "orders.read"));
        var reference = (await Server.IntrospectAsync(token, Gateway)).GetProperty("jti").GetString()!;
        var (page, _) = await browser.SignInAdminAsync(Server);

        await page.ClickAsync("nav >> text=Tokens");
        await page.FillAsync("#clientId", Opaque.Id);
        await page.ClickAsync("#find button[type=submit]");
        var row = page.Locator($"tr[data-reference=\"{reference[12..20]}\"]");
        await row.WaitForAsync();
        Assert.Contains("active", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);
        await AdminBrowser.ScreenshotAsync(page, "admin-tokens");

        await row.Locator("text=Revoke…").ClickAsync();
        await page.Locator("#confirm-revoke").WaitForAsync();
        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
        await page.ClickAsync("#revoke");

        await page.Locator("#notice").GetByText("Revoked token").WaitForAsync();
        Assert.Contains("revoked", await page.Locator($"tr[data-reference=\"{reference[12..20]}\"]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.False((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_CreatesAUser_LocksThemWithTheConfirmation_AndUnlocksThem()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);
        var name = "journey-" + Guid.NewGuid().ToString("N")[..8];

        await page.ClickAsync("nav >> text=Users");
        await page.ClickAsync("#new-user");
        await page.FillAsync("#username", name);
        await page.FillAsync("#email", $"{name}@example.com");
        await page.FillAsync("#password", "tiny");
        await page.ClickAsync("#new-user-form button[type=submit]");
        await page.Locator("#password-error").WaitForAsync();
        await page.FillAsync("#password", CodeFlow.Password);
        await page.ClickAsync("#new-user-form button[type=submit]");
        await page.WaitForURLAsync($"{Server.Issuer}/admin/users/{name}", Committed);
        await page.GetByText($"Created user {name}.").WaitForAsync();

        await page.ClickAsync("#lock button[type=submit]");
        await page.Locator("#confirm-lock").WaitForAsync();
        await page.ClickAsync("#confirm-lock button[type=submit]");
        await page.GetByText($"Locked {name} until unlocked.").WaitForAsync();
        Assert.Contains("locked", await page.InnerTextAsync("#status"), StringComparison.Ordinal);
        Assert.True((await Server.FindUserAsync(name)).LockoutEnd > Server.Time.GetUtcNow());

        await page.ClickAsync("#unlock button[type=submit]");
        await page.GetByText($"Unlocked {name}.").WaitForAsync();
        Assert.Contains("active", await page.InnerTextAsync("#status"), StringComparison.Ordinal);

        await page.ClickAsync("text=All users");
        await page.Locator("#users").WaitForAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-users");
        await page.Context.CloseAsync();
    }
}
