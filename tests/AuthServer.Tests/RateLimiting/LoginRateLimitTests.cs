using System.Net;
using AuthServer.Pages.Account;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.RateLimiting;

/// <summary>
/// POST /account/login is counted per source (6 an hour here) and per account (3 an hour), source first. All test
/// requests come from 127.0.0.1, so the one test walks through both limits in order.
/// </summary>
public abstract class LoginRateLimitTests(ServerFixture fixture)
{
    public const int PerSource = 6;
    public const int PerAccount = 3;
    public static readonly string[] Args = RateLimitSettings.Low(("LoginPerSource", PerSource), ("LoginPerAccount", PerAccount));
    private const string Password = "correct horse battery staple";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Login_AccountOverItsLimit_IsRefused_OtherAccountsGoOnUntilTheSourceLimit()
    {
        using var meter = new RejectionMeter(Server);
        var first = "rl-first-" + Guid.NewGuid().ToString("N")[..8];
        var second = "rl-second-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(first, Password);
        await Server.CreateUserAsync(second, Password);

        // Source 1-3, first account 1-3: wrong passwords, each answered by the page.
        for (var i = 0; i < PerAccount; i++)
        {
            using var wrong = await LoginAsync(first, "wrong password " + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(LoginModel.FailureMessage, await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Source 4; the first account is spent: refused even with the right password (the name differs in case and
        // spaces only, as Identity would find it).
        using (var refused = await LoginAsync(" " + first.ToUpperInvariant(), Password))
        {
            await RateLimitAssert.PageAsync(refused, RateLimitSettings.RetryAfterOfEmpty(PerAccount));
        }

        // Source 5 and 6: the second account is not affected.
        using (var signedIn = await LoginAsync(second, Password))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        }

        using (var wrong = await LoginAsync(second, "wrong password"))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        // Source 7: the source is spent, though the second account has a permit left; so is any other account.
        using (var refused = await LoginAsync(second, Password))
        {
            await RateLimitAssert.PageAsync(refused, RateLimitSettings.RetryAfterOfEmpty(PerSource));
        }

        using (var unknown = await LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], Password))
        {
            await RateLimitAssert.PageAsync(unknown, RateLimitSettings.RetryAfterOfEmpty(PerSource));
        }

        Assert.Equal([("login_account", 1L), ("login_source", 2L)], meter.Counts);

        // The login page itself is only counted per source, in the general bucket.
        using var page = new PageSession(Server);
        Assert.Contains("name=\"Username\"", await page.GetPageAsync("/account/login"), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> LoginAsync(string userName, string password)
    {
        using var browser = new PageSession(Server);
        return await browser.SubmitAsync("/account/login", ("Username", userName), ("Password", password), ("ReturnUrl", "/"));
    }
}

public sealed class SqliteLoginRateLimitFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => LoginRateLimitTests.Args;
}

public sealed class PostgresLoginRateLimitFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => LoginRateLimitTests.Args;
}

public sealed class SqliteLoginRateLimitTests(SqliteLoginRateLimitFixture fixture) : LoginRateLimitTests(fixture), IClassFixture<SqliteLoginRateLimitFixture>;

public sealed class PostgresLoginRateLimitTests(PostgresLoginRateLimitFixture fixture) : LoginRateLimitTests(fixture), IClassFixture<PostgresLoginRateLimitFixture>;
