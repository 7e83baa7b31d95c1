using System.Net;
using AuthServer.Data.Entities;
using AuthServer.Pages.Account;
using AuthServer.Protocol.Users;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests.RateLimiting;

/// <summary>
/// The second sign-in step (POST /account/login/mfa) is counted per source (5 an hour here) and per account (2 an
/// hour): the account is the one waiting for its code, whichever browser (two-factor cookie) it waits in.
/// </summary>
public abstract class MfaRateLimitTests(ServerFixture fixture)
{
    public const int PerSource = 5;
    public const int PerAccount = 2;
    public static readonly string[] Args = RateLimitSettings.Low(("MfaPerSource", PerSource), ("MfaPerAccount", PerAccount));
    private const string Password = "correct horse battery staple";
    private const string WrongCode = "000000";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task SecondFactor_AccountOverItsLimit_IsRefusedInEveryBrowser_OtherAccountsGoOnUntilTheSourceLimit()
    {
        using var meter = new RejectionMeter(Server);
        var (first, firstKey) = await UserWithAuthenticatorAsync();
        var (second, _) = await UserWithAuthenticatorAsync();

        // Source 1-2, first account 1-2: wrong codes, answered by the page.
        using var browser = await WaitingForCodeAsync(first);
        for (var i = 0; i < PerAccount; i++)
        {
            using var wrong = await browser.SubmitAsync("/account/login/mfa", ("Code", WrongCode), ("ReturnUrl", "/"));
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(LoginMfaModel.FailureMessage, await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Source 3: the first account is spent, even with the right code.
        using (var refused = await browser.SubmitAsync("/account/login/mfa", ("Code", CodeNow(firstKey)), ("ReturnUrl", "/")))
        {
            await RateLimitAssert.PageAsync(refused, RateLimitSettings.RetryAfterOfEmpty(PerAccount));
        }

        // Source 4: a new browser (a new two-factor cookie) for the same account does not get a new bucket.
        using (var again = await WaitingForCodeAsync(first))
        using (var refused = await again.SubmitAsync("/account/login/mfa", ("Code", WrongCode), ("ReturnUrl", "/")))
        {
            await RateLimitAssert.PageAsync(refused, RateLimitSettings.RetryAfterOfEmpty(PerAccount));
        }

        // Source 5: another account is not affected.
        using var other = await WaitingForCodeAsync(second);
        using (var wrong = await other.SubmitAsync("/account/login/mfa", ("Code", WrongCode), ("ReturnUrl", "/")))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        // Source 6: the source is spent, though the second account has a permit left.
        using (var refused = await other.SubmitAsync("/account/login/mfa", ("Code", WrongCode), ("ReturnUrl", "/")))
        {
            await RateLimitAssert.PageAsync(refused, RateLimitSettings.RetryAfterOfEmpty(PerSource));
        }

        Assert.Equal([("mfa_account", 2L), ("mfa_source", 1L)], meter.Counts);
    }

    private string CodeNow(byte[] key) => Totp.Compute(key, Totp.StepAt(Server.Time.GetUtcNow()));

    private async Task<(string UserName, byte[] Key)> UserWithAuthenticatorAsync()
    {
        var name = "rl-mfa-" + Guid.NewGuid().ToString("N")[..8];
        var user = await Server.CreateUserAsync(name, Password);
        await using var scope = Server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var stored = (await users.FindByIdAsync(user.Id))!;
        await users.ResetAuthenticatorKeyAsync(stored);
        var key = Base32.Decode((await users.GetAuthenticatorKeyAsync(stored))!)!;
        await users.SetTwoFactorEnabledAsync(stored, true);
        return (name, key);
    }

    /// <summary>A browser past the password step: it holds the two-factor cookie.</summary>
    private async Task<PageSession> WaitingForCodeAsync(string userName)
    {
        var browser = new PageSession(Server);
        using var password = await browser.SubmitAsync("/account/login", ("Username", userName), ("Password", Password), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        Assert.StartsWith("/account/login/mfa", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
        return browser;
    }
}

public sealed class SqliteMfaRateLimitFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => MfaRateLimitTests.Args;
}

public sealed class PostgresMfaRateLimitFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => MfaRateLimitTests.Args;
}

public sealed class SqliteMfaRateLimitTests(SqliteMfaRateLimitFixture fixture) : MfaRateLimitTests(fixture), IClassFixture<SqliteMfaRateLimitFixture>;

public sealed class PostgresMfaRateLimitTests(PostgresMfaRateLimitFixture fixture) : MfaRateLimitTests(fixture), IClassFixture<PostgresMfaRateLimitFixture>;
