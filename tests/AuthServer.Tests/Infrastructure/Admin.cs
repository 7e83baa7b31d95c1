using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Signs people in to the admin pages, and gets bearer tokens for the admin API, the way real ones do.</summary>
public static partial class Admin
{
    public const string Password = "correct horse battery staple";
    public const string ApiScope = "authserver.admin";
    public const string ApiName = "authserver-admin";

    /// <summary>A client allowed the admin scope, with JWT access tokens (see <see cref="ApiClientAsync"/>).</summary>
    public static readonly (string Id, string Secret) Automation = ("admin-automation", new string('a', 43));

    /// <summary>
    /// A new user in <paramref name="roles"/>; with <paramref name="mfa"/>, an authenticator is enrolled and the
    /// sign-in passes the second factor (TOTP at the host's fake time). Returns the signed-in page session.
    /// </summary>
    public static async Task<(PageSession Session, string UserName)> SignInAsync(
        AuthServerHost host, bool mfa = true, string[]? roles = null, string? userName = null)
    {
        userName ??= "admin-" + Guid.NewGuid().ToString("N")[..8];
        var user = await host.CreateUserAsync(userName, Password, roles ?? ["admin"]);
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

        var session = new PageSession(host);
        using var password = await session.SubmitAsync("/account/login", ("Username", userName), ("Password", Password), ("ReturnUrl", "/admin"));
        Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        if (key is not null)
        {
            Assert.StartsWith("/account/login/mfa", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
            var code = Totp.Compute(key, Totp.StepAt(host.Time.GetUtcNow()));
            using var second = await session.SubmitAsync(password.Headers.Location.OriginalString, ("Code", code), ("ReturnUrl", "/admin"));
            Assert.Equal(HttpStatusCode.Found, second.StatusCode);
            Assert.Equal("/admin", second.Headers.Location!.OriginalString);
        }

        return (session, userName);
    }

    /// <summary>Registers <see cref="Automation"/> (once per host) and returns an HttpClient with its admin API token.</summary>
    public static async Task<HttpClient> ApiClientAsync(AuthServerHost host)
    {
        await host.ImportAsync($$"""
            {"clients":[{"clientId":"{{Automation.Id}}","secret":{"value":"{{Automation.Secret}}"},"grantTypes":["client_credentials"],
              "allowedScopes":["{{ApiScope}}"],"defaultScopes":["{{ApiScope}}"],"allowedApis":["{{ApiName}}"],"accessTokenFormat":"jwt"}]}
            """);
        return BearerClient(host, await host.IssueAsync(Automation, ("scope", ApiScope)));
    }

    public static HttpClient BearerClient(AuthServerHost host, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(host.Issuer) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The text of an element with the given id on a page, HTML-decoded; null when there is none.</summary>
    public static string? TextOf(string html, string id) =>
        Regex.Match(html, $"id=\"{Regex.Escape(id)}\"[^>]*>([^<]*)<") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : null;
}
