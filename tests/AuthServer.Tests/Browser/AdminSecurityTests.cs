using AuthServer.Testing;
using AuthServer.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AuthServer.Tests.Browser;

/// <summary>The admin pages in a real browser: who is refused, and what the browser is told not to do.</summary>
public sealed class AdminSecurityTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task AdminWithMfa_ReachesTheOverview()
    {
        var (page, name) = await browser.SignInAdminAsync(Server);
        await page.Locator("main h1").GetByText("Overview").WaitForAsync();
        Assert.Contains(name, await page.InnerTextAsync("header"), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NonAdmin_Gets403()
    {
        var page = await browser.NewPageAsync();
        var userName = "plain-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(userName, Infrastructure.Admin.Password);
        await page.GotoAsync(Server.Issuer + "/account/login?returnUrl=%2F");
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", Infrastructure.Admin.Password);
        await page.ClickAsync("button[type=submit]");
        await page.Locator("main").GetByText($"Signed in as {userName}").WaitForAsync();

        var response = await page.GotoAsync(Server.Issuer + "/admin");
        Assert.Equal(403, response!.Status);
        Assert.Contains("not allowed here", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AdminWithoutMfa_Gets403()
    {
        var page = await browser.NewPageAsync();
        var userName = "nomfa-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(userName, Infrastructure.Admin.Password, "admin");
        await page.GotoAsync(Server.Issuer + "/admin");
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", Infrastructure.Admin.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(Server.Issuer + "/admin", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await page.Locator("main").GetByText("not allowed here").WaitForAsync();
        var response = await page.ReloadAsync();
        Assert.Equal(403, response!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Framing_IsRefused()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);

        // Another origin's page (a real listener on another loopback port; same site, so the admin's session cookie goes
        // along) frames the admin overview: the browser must not render it inside the frame.
        using var attacker = new StaticPageServer(
            $"<!DOCTYPE html><html><body><iframe id=f src=\"{Server.Issuer}/admin\" width=800 height=600></iframe></body></html>");
        var blocked = new TaskCompletionSource<IResponse>();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.RequestFailed += (_, r) => seen.Enqueue("failed " + r.Url + " " + r.Failure);
        page.Response += (_, r) =>
        {
            seen.Enqueue($"{r.Status} {r.Url} {r.Request.ResourceType}");
            if (r.Request.ResourceType == "document" && r.Url.StartsWith(Server.Issuer, StringComparison.Ordinal) && r.Status == 200)
            {
                blocked.TrySetResult(r);
            }
        };
        await page.GotoAsync(attacker.Url);
        await Task.WhenAny(blocked.Task, Task.Delay(5000));
        Assert.True(blocked.Task.IsCompleted, string.Join("\n", seen));
        var framed = await blocked.Task;
        Assert.Equal("DENY", await framed.HeaderValueAsync("x-frame-options"));
        Assert.Contains("frame-ancestors 'none'", await framed.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        var frame = page.Frames.Single(f => f != page.MainFrame);
        var shown = await frame.EvaluateAsync<string>("() => document.body ? document.body.innerText : ''").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "");
        Assert.DoesNotContain("Sign in", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("Overview", shown, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CrossOriginPost_WithoutAntiforgeryToken_IsRefused()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);
        var clientId = "csrf-" + Guid.NewGuid().ToString("N")[..8];

        // Another origin on the same site: the browser sends the admin's session cookie with the post (SameSite=Lax lets
        // it through), so only the antiforgery token stands between this page and a new client.
        using var attacker = new StaticPageServer($"""
            <!DOCTYPE html><html><body>
            <form id="f" method="post" action="{Server.Issuer}/admin/clients/new">
              <input name="Form.ClientId" value="{clientId}"><input name="Form.Type" value="confidential">
              <input name="Form.GrantTypes" value="client_credentials">
              <button id="go" type="submit">win a prize</button>
            </form></body></html>
            """);
        await page.GotoAsync(attacker.Url);
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#go"),
            r => r.Url.StartsWith(Server.Issuer + "/admin/clients/new", StringComparison.Ordinal));
        Assert.Equal(400, response.Status);

        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var lookup = await api.GetAsync($"/admin/api/v1/clients/{clientId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, lookup.StatusCode);
        await page.Context.CloseAsync();
    }
}
