using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The authorization code flow as a relying party drives it: sign in, authorize, redeem.</summary>
public static class CodeFlow
{
    public const string Password = "correct horse battery staple";
    public const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    public const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    public const string State = "af0ifjsldkj/+ x";

    /// <summary>A browser signed in as a new user (password only).</summary>
    public static async Task<PageSession> SignedInAsync(AuthServerHost server, string prefix = "flow")
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await server.CreateUserAsync(name, Password);
        return await SignedInAsAsync(server, name);
    }

    /// <summary>A browser signed in as an existing user (password <see cref="Password"/>, no MFA).</summary>
    public static async Task<PageSession> SignedInAsAsync(AuthServerHost server, string name)
    {
        var browser = new PageSession(server);
        using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", Password), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return browser;
    }

    public static string AuthorizeUrl(string clientId = "web-app", string redirectUri = WebCallback, params (string Name, string? Value)[] extra)
    {
        var parameters = new List<(string Name, string? Value)>
        {
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectUri), ("scope", "openid profile orders.read"),
            ("state", State), ("nonce", "n-0S6_WzA2Mj"), ("code_challenge", Challenge), ("code_challenge_method", "S256"),
        };
        foreach (var (name, value) in extra)
        {
            parameters.RemoveAll(p => p.Name == name);
            if (value is not null)
            {
                parameters.Add((name, value));
            }
        }

        return "/connect/authorize?" + string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}"));
    }

    /// <summary>Follows the authorization request to the redirect and returns its parameters.</summary>
    public static async Task<Dictionary<string, string>> RedirectParametersAsync(PageSession browser, string url, string expectedTarget = WebCallback)
    {
        using var response = await browser.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith(expectedTarget + "?", location, StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(new Uri(location).Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    public static Task<HttpResponseMessage> RedeemAsync(
        AuthServerHost server, string code, (string Id, string Secret)? client = null, params (string Name, string? Value)[] extra)
    {
        var form = new List<(string Name, string? Value)>
        {
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", WebCallback), ("code_verifier", Verifier),
        };
        foreach (var (name, value) in extra)
        {
            form.RemoveAll(p => p.Name == name);
            if (value is not null)
            {
                form.Add((name, value));
            }
        }

        return server.PostFormAsync("/connect/token", form.Select(f => (f.Name, f.Value!)), client ?? Web);
    }

    /// <summary>Signs in, authorizes the web client for <paramref name="scope"/>, and returns the token response.</summary>
    public static async Task<JsonElement> TokensAsync(AuthServerHost server, string scope)
    {
        using var browser = await SignedInAsync(server);
        var code = (await RedirectParametersAsync(browser, AuthorizeUrl(extra: ("scope", scope))))["code"];
        using var response = await RedeemAsync(server, code);
        return await ProtocolAssert.OkJsonAsync(response);
    }
}
