using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Pages.Account;
using AuthServer.Protocol.Users;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public abstract partial class MfaTests(ServerFixture fixture)
{
    private const string Password = "correct horse battery staple";
    private AuthServerHost Server => fixture.Host;

    private string CodeNow(byte[] key) => Totp.Compute(key, Totp.StepAt(Server.Time.GetUtcNow()));

    private async Task<(string User, PageSession Browser)> SignedInUserAsync()
    {
        var name = "mfa-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(name, Password);
        var browser = new PageSession(Server);
        using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", Password), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return (name, browser);
    }

    /// <summary>Enrols the signed-in user; returns the authenticator key and the recovery codes the page showed.</summary>
    private async Task<(byte[] Key, List<string> RecoveryCodes)> EnrolAsync(PageSession browser)
    {
        var page = await browser.GetPageAsync("/account/mfa");
        Assert.Contains("src=\"data:image/png;base64,iVBORw0KGgo", page, StringComparison.Ordinal);
        var key = Base32.Decode(ManualKey().Match(page).Groups[1].Value)!;
        Assert.Equal(20, key.Length);

        using var enabled = await browser.SubmitToAsync("/account/mfa", "/account/mfa?handler=enable", ("Code", CodeNow(key)));
        var html = await enabled.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var codes = RecoveryCode().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(RecoveryCodes.Count, codes.Count);
        return (key, codes);
    }

    private static async Task<HttpResponseMessage> PasswordStepAsync(PageSession browser, string user, string returnUrl = "/")
    {
        var response = await browser.SubmitAsync("/account/login", ("Username", user), ("Password", Password), ("ReturnUrl", returnUrl));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response;
    }

    [Fact]
    public async Task Enrol_ThenSignIn_NeedsACodeAndEachCodeWorksOnce()
    {
        var (user, browser) = await SignedInUserAsync();
        using var _ = browser;
        var (key, _) = await EnrolAsync(browser);
        using (await browser.SubmitAsync("/account/logout"))
        {
        }

        using var browser2 = new PageSession(Server);
        using (var passwordStep = await PasswordStepAsync(browser2, user, "/account/mfa"))
        {
            Assert.Equal("/account/login/mfa?returnUrl=%2Faccount%2Fmfa", passwordStep.Headers.Location?.OriginalString);
        }

        Assert.Null(browser2.Cookie("authserver.session"));

        // The code used to enrol was for this time step: it does not work again.
        using (var replay = await browser2.SubmitAsync("/account/login/mfa?returnUrl=%2Faccount%2Fmfa", ("Code", CodeNow(key)), ("ReturnUrl", "/account/mfa")))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Contains(LoginMfaModel.FailureMessage, await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Server.Time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        var fresh = CodeNow(key);
        using (var signedIn = await browser2.SubmitAsync("/account/login/mfa", ("Code", fresh), ("ReturnUrl", "/account/mfa")))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
            Assert.Equal("/account/mfa", signedIn.Headers.Location?.OriginalString);
        }

        Assert.Contains("Two-step sign-in is on", await browser2.GetPageAsync("/account/mfa"), StringComparison.Ordinal);

        // Someone who saw that code and has the password cannot use it: the step is spent.
        using var attacker = new PageSession(Server);
        using (await PasswordStepAsync(attacker, user))
        {
        }

        using var stolen = await attacker.SubmitAsync("/account/login/mfa", ("Code", fresh), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.OK, stolen.StatusCode);
        Assert.Null(attacker.Cookie("authserver.session"));
    }

    [Fact]
    public async Task RecoveryCode_SignsInOnce_AndIsNotShownAgain()
    {
        var (user, browser) = await SignedInUserAsync();
        using var _ = browser;
        var (_, codes) = await EnrolAsync(browser);
        Assert.DoesNotContain(codes[0], await browser.GetPageAsync("/account/mfa"), StringComparison.Ordinal);

        using var first = new PageSession(Server);
        using (await PasswordStepAsync(first, user))
        {
        }

        using (var used = await first.SubmitAsync("/account/login/mfa", ("Code", codes[0].ToLowerInvariant()), ("ReturnUrl", "/")))
        {
            Assert.Equal(HttpStatusCode.Found, used.StatusCode);
        }

        Assert.Contains("9 recovery codes left", await first.GetPageAsync("/account/mfa"), StringComparison.Ordinal);

        using var second = new PageSession(Server);
        using (await PasswordStepAsync(second, user))
        {
        }

        using var reused = await second.SubmitAsync("/account/login/mfa", ("Code", codes[0]), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
        Assert.Null(second.Cookie("authserver.session"));
    }

    [Fact]
    public async Task TurningMfaOff_NeedsThePassword()
    {
        var (_, browser) = await SignedInUserAsync();
        using var _ = browser;
        await EnrolAsync(browser);

        using (var wrong = await browser.SubmitToAsync("/account/mfa", "/account/mfa?handler=disable", ("Password", "not the password")))
        {
            Assert.Contains("The password is not correct.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("Two-step sign-in is on", await browser.GetPageAsync("/account/mfa"), StringComparison.Ordinal);

        using var right = await browser.SubmitToAsync("/account/mfa", "/account/mfa?handler=disable", ("Password", Password));
        Assert.Contains("Two-step sign-in is off.", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongCodes_CountTowardsLockout()
    {
        var (user, browser) = await SignedInUserAsync();
        using var _ = browser;
        var (key, _) = await EnrolAsync(browser);
        Server.Time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));

        using var guesser = new PageSession(Server);
        using (await PasswordStepAsync(guesser, user))
        {
        }

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await guesser.SubmitAsync("/account/login/mfa", ("Code", CodeNow(key) == "000000" ? "111111" : "000000"), ("ReturnUrl", "/"));
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var right = await guesser.SubmitAsync("/account/login/mfa", ("Code", CodeNow(key)), ("ReturnUrl", "/"));
        Assert.Contains(LoginMfaModel.FailureMessage, await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(guesser.Cookie("authserver.session"));
    }

    [Fact]
    public async Task MfaPages_WithoutTheStepBefore_SendToSignIn()
    {
        using var browser = new PageSession(Server);

        using var enrol = await browser.GetAsync("/account/mfa");
        using var second = await browser.GetAsync("/account/login/mfa");

        Assert.Equal(HttpStatusCode.Found, enrol.StatusCode);
        Assert.StartsWith("/account/login?returnUrl=%2Faccount%2Fmfa", enrol.Headers.Location?.PathAndQuery ?? enrol.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, second.StatusCode);
        Assert.Equal("/account/login", second.Headers.Location?.OriginalString);
    }

    [GeneratedRegex("<code id=\"manual-key\">([A-Z2-7 ]+)</code>")]
    private static partial Regex ManualKey();

    [GeneratedRegex("<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>")]
    private static partial Regex RecoveryCode();
}

public sealed class SqliteMfaTests(SqliteServerFixture fixture) : MfaTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresMfaTests(PostgresServerFixture fixture) : MfaTests(fixture), IClassFixture<PostgresServerFixture>;
