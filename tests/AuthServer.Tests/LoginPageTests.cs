using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Account;
using AuthServer.Data;
using AuthServer.Pages.Account;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public abstract partial class LoginPageTests(ServerFixture fixture)
{
    private const string Password = "correct horse battery staple";
    private AuthServerHost Server => fixture.Host;

    private async Task<string> NewUserAsync()
    {
        var name = "user-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(name, Password);
        return name;
    }

    private static (string, string)[] Credentials(string user, string password, string returnUrl = "/") =>
        [("Username", user), ("Password", password), ("ReturnUrl", returnUrl)];

    [Fact]
    public async Task Login_WithTheRightPassword_SetsAnHttpOnlyLaxSessionCookieAndGoesToTheReturnUrl()
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);

        using var response = await browser.SubmitAsync("/account/login", Credentials(user, Password, "/account/logout?x=1"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/account/logout?x=1", response.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("authserver.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        using var home = await browser.GetAsync("/");
        Assert.Contains($"Signed in as <strong>{user}</strong>", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_UnknownUserAndWrongPassword_GetTheSameAnswer()
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);

        using var wrongPassword = await browser.SubmitAsync("/account/login", Credentials(user, "wrong password entirely"));
        using var unknownUser = await browser.SubmitAsync("/account/login", Credentials("nobody-" + user, "wrong password entirely"));

        Assert.Equal(HttpStatusCode.OK, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unknownUser.StatusCode);
        var first = Normalize(await wrongPassword.Content.ReadAsStringAsync(), user);
        var second = Normalize(await unknownUser.Content.ReadAsStringAsync(), "nobody-" + user);
        Assert.Contains(LoginModel.FailureMessage, first, StringComparison.Ordinal);
        Assert.Equal(first, second);
        Assert.Null(browser.Cookie("authserver.session"));
    }

    [Fact]
    public async Task Login_AfterFiveFailures_IsRefusedEvenWithTheRightPassword_UntilTheLockoutEnds()
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);
        for (var i = 0; i < 5; i++)
        {
            using var failed = await browser.SubmitAsync("/account/login", Credentials(user, "wrong password " + i));
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var locked = await browser.SubmitAsync("/account/login", Credentials(user, Password));
        var lockedPage = await locked.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains(LoginModel.FailureMessage, lockedPage, StringComparison.Ordinal);
        Assert.Null(browser.Cookie("authserver.session"));

        Server.Time.Advance(TimeSpan.FromMinutes(15));
        using var afterLockout = await browser.SubmitAsync("/account/login", Credentials(user, Password));
        Assert.Equal(HttpStatusCode.Found, afterLockout.StatusCode);
        Assert.NotNull(browser.Cookie("authserver.session"));
    }

    [Fact]
    public async Task Lockout_IsAuditedOnce_WhenItBegins_WithTheSource()
    {
        var user = await NewUserAsync();
        var id = (await Server.FindUserAsync(user)).Id;
        using var browser = new PageSession(Server);
        for (var i = 0; i < 7; i++)
        {
            using var failed = await browser.SubmitAsync("/account/login", Credentials(user, "wrong password " + i));
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        await Server.FlushAuditAsync();
        await using var db = Server.Service<AuthServerDatabase>().CreateContext();
        var rows = db.AuditEvents.Where(e => e.Subject == id).OrderBy(e => e.Sequence).ToList();
        var lockout = Assert.Single(rows, r => r.Action == "account.locked_out");
        Assert.Equal("after=password", lockout.Detail);
        Assert.Equal("127.0.0.1", lockout.Source);

        // The fifth failure locked the account; the two after it are failures of a locked account, not new lockouts.
        var failures = rows.Where(r => r.Action == "login.password").Select(r => r.Detail).ToList();
        Assert.Equal(["reason=bad_password", "reason=bad_password", "reason=bad_password", "reason=bad_password", "reason=locked_out",
            "reason=locked_out", "reason=locked_out"], failures);
        Assert.True(rows.IndexOf(lockout) < rows.FindIndex(r => r.Detail == "reason=locked_out"));
    }

    [Fact]
    public async Task Login_WithoutTheAntiforgeryToken_IsRejected()
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);
        using (await browser.GetAsync("/account/login"))
        {
        }

        using var response = await browser.PostAsync("/account/login", Credentials(user, Password));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(browser.Cookie("authserver.session"));
        Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string> ForeignReturnUrls => new()
    {
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil.example/",
        "/%5Cevil.example/",
        "%2F%2Fevil.example",
        "/\tevil.example",
        "/ /evil.example",
        "",
    };

    [Theory]
    [MemberData(nameof(ForeignReturnUrls))]
    public async Task Login_WithAReturnUrlOffThisServer_GoesHomeInstead(string returnUrl)
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);

        using var response = await browser.SubmitAsync("/account/login", Credentials(user, Password, returnUrl));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/connect/authorize?client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=a%2Fb", true)]
    [InlineData("/account/login/mfa?returnUrl=%2F", true)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("/%2f%2fevil.example", false)]
    [InlineData("/%5cevil.example", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("/\u0000/evil", false)]
    [InlineData(null, false)]
    public void LocalReturnUrl_AcceptsOnlyPathsOnThisServer(string? url, bool safe)
    {
        Assert.Equal(safe, LocalReturnUrl.IsSafe(url));
    }

    [Fact]
    public async Task Logout_ByPost_EndsTheSession_ButAGetDoesNot()
    {
        var user = await NewUserAsync();
        using var browser = new PageSession(Server);
        using (var signedIn = await browser.SubmitAsync("/account/login", Credentials(user, Password)))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        }

        using (var get = await browser.GetAsync("/account/logout"))
        {
            Assert.Contains("Sign out of AuthServer", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.NotNull(browser.Cookie("authserver.session"));
        using var post = await browser.SubmitAsync("/account/logout");

        Assert.Equal(HttpStatusCode.Found, post.StatusCode);
        Assert.Null(browser.Cookie("authserver.session"));
        using var home = await browser.GetAsync("/");
        Assert.DoesNotContain("Signed in as", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_CannotBeFramedOrCachedAndLoadNothingFromElsewhere()
    {
        using var browser = new PageSession(Server);

        using var response = await browser.GetAsync("/account/login");

        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", await response.Content.ReadAsStringAsync());
    }

    /// <summary>The page without what legitimately differs: the antiforgery token and the echoed username.</summary>
    private static string Normalize(string html, string userName) =>
        TokenValue().Replace(html, "value=\"TOKEN\"").Replace($"value=\"{userName}\"", "value=\"USER\"", StringComparison.Ordinal);

    [GeneratedRegex("value=\"CfDJ8[^\"]*\"")]
    private static partial Regex TokenValue();

    [Theory]
    [InlineData("x[")]
    [InlineData("a]b[")]
    [InlineData("Username[0")]
    public async Task Login_WithAFieldNameThatIsNotAPlainKey_IsAnsweredWithThePage_NotA500(string field)
    {
        // Found by the fuzzer: MVC's jQuery key normalizer threw ArgumentException on such a key (a 500).
        using var browser = new PageSession(Server);

        using var response = await browser.SubmitAsync("/account/login", (field, "x"), ("Username", "nobody"), ("Password", "wrong"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Sign in", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WithANulInTheUserName_Is400_NotA500()
    {
        // PostgreSQL text cannot hold a NUL: the user lookup would fail as a server error.
        using var browser = new PageSession(Server);

        using var response = await browser.SubmitAsync("/account/login", ("Username", "a\0b"), ("Password", "wrong"), ("ReturnUrl", "/"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class SqliteLoginPageTests(SqliteServerFixture fixture) : LoginPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresLoginPageTests(PostgresServerFixture fixture) : LoginPageTests(fixture), IClassFixture<PostgresServerFixture>;
