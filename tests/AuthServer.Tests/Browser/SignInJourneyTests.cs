using System.Net;
using System.Net.Http.Headers;
using AuthServer.Protocol.Users;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Browser;

/// <summary>
/// The whole journey in Debian's Chromium, driven by Playwright: sign in, enrol MFA, sign out, sign in with a
/// TOTP code, consent, code, tokens, userinfo, refresh, logout. The client application is played by routes that
/// catch the browser at the client's redirect URIs.
/// </summary>
public sealed class SignInJourneyTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>, IAsyncLifetime
{
    private const string Callback = "http://127.0.0.1:8123/callback";

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private AuthServerHost Server => fixture.Host;

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

    /// <summary>Waits for the browser to reach <paramref name="url"/>; if it does not, fails with the page it is on.</summary>
    private static async Task ArriveAsync(IPage page, string url)
    {
        try
        {
            // Commit, not load: the steps after this wait for the elements they use, and a page's load event can
            // lag behind its content on a busy machine (seen once: the page was there, the wait timed out).
            await page.WaitForURLAsync(url, new PageWaitForURLOptions { Timeout = 15_000, WaitUntil = WaitUntilState.Commit });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Expected {url}, but the browser is at {page.Url}:\n{await page.InnerTextAsync("body")}");
        }
    }

    private string TotpNow(byte[] key) => Totp.Compute(key, Totp.StepAt(Server.Time.GetUtcNow()));

    [Fact]
    public async Task Journey_SignInEnrolMfaSignOutSignInWithTotpConsentTokensUserInfoRefreshLogout()
    {
        var user = "journey-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(user, CodeFlow.Password);

        // The application's signed-out page is a real listener: the browser ends the journey there.
        using var application = new ClientApplication();
        var signedOut = application.Url + "signed-out";
        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"journey-web","secret":{"value":"{{ConsentWeb.Secret}}"},"grantTypes":["authorization_code","refresh_token"],
              "redirectUris":["http://127.0.0.1/callback"],"postLogoutRedirectUris":["{{signedOut}}"],"requireConsent":true,
              "allowedScopes":["openid","profile","offline_access","orders.read"],"allowedApis":["{{Orders}}"]}]}
            """);
        var journeyWeb = ("journey-web", ConsentWeb.Secret);
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var clientPages = new List<string>();
        await page.RouteAsync("http://127.0.0.1:8123/**", route => Capture(route, clientPages));

        // Sign in with a password.
        await page.GotoAsync(Server.Issuer + "/account/login");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", CodeFlow.Password);
        await page.ClickAsync("button[type=submit]");
        await ArriveAsync(page, Server.Issuer + "/");
        await page.Locator("main").GetByText($"Signed in as {user}").WaitForAsync();

        // Enrol an authenticator: the QR code renders, the key is there to type, ten recovery codes come once.
        await page.GotoAsync(Server.Issuer + "/account/mfa");
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('img.qr').naturalWidth > 100"));
        var key = Base32.Decode(await page.InnerTextAsync("#manual-key"))!;
        await page.FillAsync("#code", TotpNow(key));
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("ul.codes");
        Assert.Equal(RecoveryCodes.Count, await page.Locator("ul.codes li").CountAsync());

        // Sign out.
        await page.GotoAsync(Server.Issuer + "/account/logout");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("text=You are signed out.");

        // An application sends the browser to authorize: password, then TOTP (the next time step), then consent.
        Server.Time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        await page.GotoAsync(Server.Issuer + CodeFlow.AuthorizeUrl(journeyWeb.Item1, Callback, ("scope", "openid profile offline_access orders.read")));
        await ArriveAsync(page, "**/account/login?**");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", CodeFlow.Password);
        await page.ClickAsync("button[type=submit]");
        await ArriveAsync(page, "**/account/login/mfa?**");
        await page.FillAsync("#code", TotpNow(key));
        await page.ClickAsync("button[type=submit]");
        await ArriveAsync(page, "**/account/consent?**");
        await page.Locator("main").GetByText("See your name and username").WaitForAsync();
        await page.ClickAsync("button[value=allow]");
        await ArriveAsync(page, Callback + "?**");

        var redirect = QueryHelpers.ParseQuery(new Uri(clientPages[^1]).Query);
        Assert.Equal(CodeFlow.State, redirect["state"].ToString());
        Assert.Equal(Server.Issuer, redirect["iss"].ToString());

        // The application redeems the code, calls userinfo and refreshes.
        using var tokenResponse = await CodeFlow.RedeemAsync(Server, redirect["code"].ToString(), journeyWeb, ("redirect_uri", Callback));
        var tokens = await ProtocolAssert.OkJsonAsync(tokenResponse);
        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        userInfoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        using var userInfo = await Server.Http.SendAsync(userInfoRequest);
        Assert.Equal(user, (await ProtocolAssert.OkJsonAsync(userInfo)).GetProperty("preferred_username").GetString());
        using var refreshed = await Server.PostFormAsync("/connect/token",
            [("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!)], journeyWeb);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);

        // RP-initiated logout returns to the application with its state, and the session is gone.
        await page.GotoAsync(Server.Issuer + "/connect/endsession?id_token_hint=" + tokens.GetProperty("id_token").GetString()
            + "&post_logout_redirect_uri=" + Uri.EscapeDataString(signedOut) + "&state=bye");
        await ArriveAsync(page, signedOut + "?state=bye");
        Assert.Equal("/signed-out?state=bye", application.LastRequest);
        await page.GotoAsync(Server.Issuer + "/");
        Assert.DoesNotContain("Signed in as", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    /// <summary>A minimal web application on a free loopback port that answers every request with 200.</summary>
    private sealed class ClientApplication : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public ClientApplication()
        {
            var port = AuthServer.Testing.Loopback.FreePort();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    LastRequest = context.Request.RawUrl;
                    var body = "<p>client application</p>"u8.ToArray();
                    context.Response.ContentType = "text/html";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public string? LastRequest { get; private set; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }

    private static Task Capture(IRoute route, List<string> pages)
    {
        pages.Add(route.Request.Url);
        return route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html", Body = "<p>client application</p>" });
    }
}
