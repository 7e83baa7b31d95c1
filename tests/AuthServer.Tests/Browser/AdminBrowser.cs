using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AuthServer.Tests.Browser;

/// <summary>
/// Debian's Chromium, driven by Playwright, for the admin pages: one browser per test class; each test signs a new
/// admin in through the real sign-in and TOTP pages. Screenshots go to the test output folder, and to
/// docs/screenshots (what the README shows) when AUTHSERVER_UPDATE_SCREENSHOTS=1.
/// </summary>
public sealed class AdminBrowser : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>A fresh browser context (no cookies) with a desktop-sized page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Creates an admin with an authenticator and signs them in on a new page; the page ends at /admin.</summary>
    public async Task<(IPage Page, string UserName)> SignInAdminAsync(AuthServerHost host, string[]? roles = null, bool mfa = true)
    {
        var userName = "admin-" + Guid.NewGuid().ToString("N")[..8];
        var user = await host.CreateUserAsync(userName, Infrastructure.Admin.Password, roles ?? ["admin"]);
        byte[]? key = null;
        if (mfa)
        {
            await using var scope = host.App.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            await users.ResetAuthenticatorKeyAsync(stored);
            key = Base32.Decode((await users.GetAuthenticatorKeyAsync(stored))!)!;
            await users.SetTwoFactorEnabledAsync(stored, true);
        }

        var page = await NewPageAsync();
        await page.GotoAsync(host.Issuer + "/admin");
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", Infrastructure.Admin.Password);
        await page.ClickAsync("button[type=submit]");
        if (key is not null)
        {
            await page.WaitForURLAsync("**/account/login/mfa**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
            await page.FillAsync("#code", Totp.Compute(key, Totp.StepAt(host.Time.GetUtcNow())));
            await page.ClickAsync("button[type=submit]");
        }

        await page.WaitForURLAsync(host.Issuer + "/admin", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        return (page, userName);
    }

    /// <summary>Saves a PNG of the page (viewport only, so the files stay small).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png, FullPage = false });
        var output = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(output);
        await File.WriteAllBytesAsync(Path.Combine(output, name + ".png"), bytes);
        if (Environment.GetEnvironmentVariable("AUTHSERVER_UPDATE_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(AuthServer.Testing.Loopback.RepositoryRoot(), "docs", "screenshots");
            Directory.CreateDirectory(docs);
            await File.WriteAllBytesAsync(Path.Combine(docs, name + ".png"), bytes);
        }
    }
}
