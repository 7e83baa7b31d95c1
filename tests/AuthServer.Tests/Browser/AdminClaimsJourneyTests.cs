using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AuthServer.Tests.Browser;

/// <summary>
/// In Chromium: define a claim type, add it to a scope, see it in the explain preview, and then in a new token.
/// (The client's claim value is imported: the client pages are another area's.)
/// </summary>
public sealed class AdminClaimsJourneyTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task ClaimAddedToAScope_ShowsInTheExplainPreview_AndInANewToken()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var (claim, scope, api) = ($"cost_center_{id}", $"billing{id}.read", $"https://api.example.test/billing-{id}");
        var client = ($"billing-{id}", new string('b', 43));
        var (page, _) = await browser.SignInAdminAsync(Server);

        // 1. Define the claim type.
        await page.GotoAsync(Server.Issuer + "/admin/claims");
        await page.ClickAsync("#new-claim-type");
        await page.FillAsync("#name", claim);
        await page.FillAsync("#description", "The cost center billed for the calls");
        await page.SelectOptionAsync("#valueType", "string");
        await page.ClickAsync("#save");
        await page.Locator(".notice").GetByText($"Defined the claim type '{claim}'.").WaitForAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-claims");

        // A scope and an API that releases nothing yet, and a client holding a value of the new claim type.
        await Server.ImportAsync($$"""
            {"scopes":[{"name":"{{scope}}","description":"Read invoices"}],
             "apis":[{"name":"{{api}}","displayName":"Billing","scopes":["{{scope}}"]}],
             "clients":[{"clientId":"{{client.Item1}}","secret":{"value":"{{client.Item2}}"},"grantTypes":["client_credentials"],
               "allowedScopes":["{{scope}}"],"allowedApis":["{{api}}"],"accessTokenFormat":"jwt","claims":{"{{claim}}":"CC-42"} }]}
            """);

        // 2. Add it to the scope.
        await page.GotoAsync(Server.Issuer + "/admin/resources?q=" + id);
        await page.Locator("#scope-table tr", new PageLocatorOptions { HasText = scope }).GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await page.CheckAsync($"input[name=Claims][value={claim}]");
        await page.ClickAsync("#save");
        await page.Locator(".notice").GetByText($"Saved the scope '{scope}'.").WaitForAsync();
        Assert.Contains(claim, await page.InnerTextAsync("#scope-table"), StringComparison.Ordinal);
        await AdminBrowser.ScreenshotAsync(page, "admin-resources");

        // 3. The explain preview shows it.
        await page.GotoAsync(Server.Issuer + "/admin/explain");
        await page.FillAsync("#client", client.Item1);
        await page.FillAsync("#scopes", scope);
        await page.ClickAsync("#explain");
        var row = page.Locator(".explain-claims tr", new PageLocatorOptions { HasText = claim });
        await row.WaitForAsync();
        Assert.Contains("CC-42", await row.InnerTextAsync(), StringComparison.Ordinal);
        await page.Locator(".explain-claims").ScrollIntoViewIfNeededAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-explain");
        await page.Context.CloseAsync();

        // 4. A new token carries it.
        var token = await Server.IssueAsync(client, ("scope", scope));
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var payload = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '='))));
        Assert.Equal("CC-42", payload.RootElement.GetProperty(claim).GetString());
        Assert.Equal(api, payload.RootElement.GetProperty("aud").GetString());
    }
}
