using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Fuzzing;

/// <summary>A signed-in browser as a cookie header, with the antiforgery token its pages carry.</summary>
public sealed record FuzzSession(string Cookie, string Antiforgery);

/// <summary>
/// Real credentials the base requests start from, so mutations reach past the first check: issued tokens of every
/// kind, unredeemed authorization codes, and browser sessions (anonymous, a signed-in user, an admin with MFA).
/// </summary>
public sealed class FuzzContext
{
    private readonly Queue<string> _codes = new();

    private FuzzContext(AuthServerHost host) => Host = host;

    public AuthServerHost Host { get; }

    public string Authority => new Uri(Host.Issuer).Authority;

    public string OpaqueToken { get; private set; } = "";

    public string JwtToken { get; private set; } = "";

    /// <summary>From a code flow with openid: for userinfo, introspection and the ID token hint; never refreshed.</summary>
    public string UserAccessToken { get; private set; } = "";

    public string IdToken { get; private set; } = "";

    /// <summary>From a second code flow, so refresh-token reuse revokes only this family.</summary>
    public string RefreshToken { get; private set; } = "";

    /// <summary>A token only the revocation requests use.</summary>
    public string RevocableToken { get; private set; } = "";

    public string AdminApiToken { get; private set; } = "";

    public FuzzSession Anonymous { get; private set; } = null!;

    public FuzzSession User { get; private set; } = null!;

    public FuzzSession Admin { get; private set; } = null!;

    public string UserName { get; private set; } = "";

    /// <summary>A user only the admin requests act on (lock, reset MFA, roles), so the fuzzing sessions stay usable.</summary>
    public string VictimUserName { get; private set; } = "";

    /// <summary>An unredeemed code while the pool lasts, then a stale-looking one.</summary>
    public string NextCode() => _codes.TryDequeue(out var code) ? code : "spent-" + Guid.NewGuid().ToString("N");

    public static async Task<FuzzContext> CreateAsync(AuthServerHost host, int codes)
    {
        var context = new FuzzContext(host);
        context.OpaqueToken = await host.IssueAsync(Opaque);
        context.JwtToken = await host.IssueAsync(Jwt);
        context.RevocableToken = await host.IssueAsync(Opaque);

        var tokens = await CodeFlow.TokensAsync(host, "openid profile email offline_access orders.read");
        context.UserAccessToken = tokens.GetProperty("access_token").GetString()!;
        context.IdToken = tokens.GetProperty("id_token").GetString()!;
        var refresh = await CodeFlow.TokensAsync(host, "openid offline_access orders.read");
        context.RefreshToken = refresh.GetProperty("refresh_token").GetString()!;

        context.UserName = "fuzz-user-" + Guid.NewGuid().ToString("N")[..6];
        await host.CreateUserAsync(context.UserName, CodeFlow.Password);
        using var user = await CodeFlow.SignedInAsAsync(host, context.UserName);
        for (var i = 0; i < codes; i++)
        {
            context._codes.Enqueue((await CodeFlow.RedirectParametersAsync(user, CodeFlow.AuthorizeUrl()))["code"]);
        }

        context.User = await SessionAsync(user, "/account/mfa");
        using var anonymous = new PageSession(host);
        context.Anonymous = await SessionAsync(anonymous, "/account/login");
        var (admin, _) = await Infrastructure.Admin.SignInAsync(host);
        using (admin)
        {
            context.Admin = await SessionAsync(admin, "/admin/clients/new");
        }

        context.VictimUserName = "fuzz-victim-" + Guid.NewGuid().ToString("N")[..6];
        await host.CreateUserAsync(context.VictimUserName, CodeFlow.Password);
        using var api = await Infrastructure.Admin.ApiClientAsync(host);
        context.AdminApiToken = api.DefaultRequestHeaders.Authorization!.Parameter!;
        return context;
    }

    private static async Task<FuzzSession> SessionAsync(PageSession session, string page)
    {
        var html = await session.GetPageAsync(page);
        return new FuzzSession(session.Cookies.GetCookieHeader(session.BaseAddress), PageSession.AntiforgeryToken(WebUtility.HtmlDecode(html)));
    }

    public static string ToJson(object value) => JsonSerializer.Serialize(value);
}
