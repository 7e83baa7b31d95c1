using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>/connect/authorize and the authorization_code grant, through a cookie-keeping client as the browser.</summary>
public abstract class AuthorizationCodeFlowTests(ServerFixture fixture)
{
    private const string Verifier = CodeFlow.Verifier;

    private AuthServerHost Server => fixture.Host;

    private Task<PageSession> SignedInAsync() => CodeFlow.SignedInAsync(Server);

    private static string AuthorizeUrl(string clientId = "web-app", string redirectUri = WebCallback, params (string Name, string? Value)[] extra) =>
        CodeFlow.AuthorizeUrl(clientId, redirectUri, extra);

    private static Task<Dictionary<string, string>> RedirectParametersAsync(PageSession browser, string url, string expectedTarget = WebCallback) =>
        CodeFlow.RedirectParametersAsync(browser, url, expectedTarget);

    private async Task<string> CodeAsync(PageSession browser, params (string, string?)[] extra) =>
        (await RedirectParametersAsync(browser, AuthorizeUrl(extra: extra)))["code"];

    private Task<HttpResponseMessage> RedeemAsync(string code, (string Id, string Secret)? client = null, params (string Name, string? Value)[] extra) =>
        CodeFlow.RedeemAsync(Server, code, client, extra);

    [Fact]
    public async Task CodeFlow_ReturnsCodeStateAndIss_AndTheCodeBuysAnAccessTokenAndAnIdToken()
    {
        using var browser = await SignedInAsync();

        var redirect = await RedirectParametersAsync(browser, AuthorizeUrl());
        using var response = await RedeemAsync(redirect["code"]);

        Assert.Equal("af0ifjsldkj/+ x", redirect["state"]);
        Assert.Equal(Server.Issuer, redirect["iss"]);
        Assert.Equal(55, redirect["code"].Length);
        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal("openid profile orders.read", json.GetProperty("scope").GetString());
        var accessToken = json.GetProperty("access_token").GetString()!;
        var introspection = await Server.IntrospectAsync(accessToken, Gateway);
        Assert.True(introspection.GetProperty("active").GetBoolean());
        Assert.Equal(Orders, introspection.GetProperty("aud").GetString());

        var idToken = await ValidateIdTokenAsync(json.GetProperty("id_token").GetString()!, Web.Id);
        Assert.Equal("RS256", idToken.Alg);
        Assert.Equal("JWT", idToken.Typ);
        Assert.Equal(Web.Id, idToken.GetClaim("azp").Value);
        Assert.Equal("n-0S6_WzA2Mj", idToken.GetClaim("nonce").Value);
        Assert.Equal(["pwd"], idToken.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
        Assert.True(idToken.TryGetClaim("auth_time", out _));
        Assert.Equal(22, idToken.GetClaim("sid").Value.Length);

        // Another sign-in to the same session gets the same sid; another browser, another.
        using var again = await RedeemAsync((await RedirectParametersAsync(browser, AuthorizeUrl()))["code"]);
        var sameSession = await ValidateIdTokenAsync((await ProtocolAssert.OkJsonAsync(again)).GetProperty("id_token").GetString()!, Web.Id);
        Assert.Equal(idToken.GetClaim("sid").Value, sameSession.GetClaim("sid").Value);
        using var otherBrowser = await SignedInAsync();
        using var other = await RedeemAsync((await RedirectParametersAsync(otherBrowser, AuthorizeUrl()))["code"]);
        var otherSession = await ValidateIdTokenAsync((await ProtocolAssert.OkJsonAsync(other)).GetProperty("id_token").GetString()!, Web.Id);
        Assert.NotEqual(idToken.GetClaim("sid").Value, otherSession.GetClaim("sid").Value);
        Assert.True(idToken.TryGetClaim("preferred_username", out _));
        Assert.False(idToken.TryGetClaim("email", out _));
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(accessToken));
        Assert.Equal(Base64Url.EncodeToString(hash.AsSpan(0, 16)), idToken.GetClaim("at_hash").Value);
    }

    [Fact]
    public async Task CodeFlow_PublicClientWithPkce_GetsTokensWithoutASecret_AndAnEs256IdToken()
    {
        using var browser = await SignedInAsync();
        var code = (await RedirectParametersAsync(browser, AuthorizeUrl(Spa, SpaCallback, ("scope", "openid")), SpaCallback))["code"];

        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", SpaCallback), ("code_verifier", Verifier), ("client_id", Spa)]);

        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal("ES256", (await ValidateIdTokenAsync(json.GetProperty("id_token").GetString()!, Spa)).Alg);
    }

    public static TheoryData<string> UntrustedRequests => new()
    {
        AuthorizeUrl(clientId: "no-such-client"),
        AuthorizeUrl(redirectUri: "https://evil.example/callback"),
        AuthorizeUrl(redirectUri: WebCallback + "/"),
        AuthorizeUrl(redirectUri: "https://WEB.example.test/callback"),
        AuthorizeUrl(redirectUri: WebCallback + "?x=1"),
        AuthorizeUrl(redirectUri: "https://web.example.test@evil.example/callback"),
        AuthorizeUrl(redirectUri: "http://127.0.0.1:80@evil.example/callback"),
        AuthorizeUrl(extra: ("redirect_uri", null)),
        AuthorizeUrl() + "&client_id=web-app",
        AuthorizeUrl(clientId: "opaque-client"),
    };

    [Theory]
    [MemberData(nameof(UntrustedRequests))]
    public async Task Authorize_UnknownClientOrRedirectUri_ShowsAnErrorPageAndNeverRedirects(string url)
    {
        using var browser = await SignedInAsync();

        using var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("evil.example", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_LoopbackRedirectWithAnotherPort_IsAccepted()
    {
        using var browser = await SignedInAsync();

        var redirect = await RedirectParametersAsync(browser, AuthorizeUrl(redirectUri: "http://127.0.0.1:51234/callback"), "http://127.0.0.1:51234/callback");

        Assert.True(redirect.ContainsKey("code"));
    }

    public static TheoryData<string, string, string> RedirectedErrors => new()
    {
        { "response_type", "token", "unsupported_response_type" },
        { "response_type", "code id_token", "unsupported_response_type" },
        { "code_challenge_method", "plain", "invalid_request" },
        { "prompt", "none login", "invalid_request" },
        { "max_age", "-1", "invalid_request" },
        { "scope", "payments.charge", "invalid_scope" },
        { "request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported" },
        { "request_uri", "https://web.example.test/request.jwt", "request_uri_not_supported" },
        { "response_mode", "fragment", "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(RedirectedErrors))]
    public async Task Authorize_BadRequestFromATrustedClient_RedirectsTheErrorWithStateAndIss(string name, string value, string error)
    {
        using var browser = await SignedInAsync();

        var redirect = await RedirectParametersAsync(browser, AuthorizeUrl(extra: (name, value)));

        Assert.Equal(error, redirect["error"]);
        Assert.Equal("af0ifjsldkj/+ x", redirect["state"]);
        Assert.Equal(Server.Issuer, redirect["iss"]);
        Assert.False(redirect.ContainsKey("code"));
    }

    [Fact]
    public async Task Authorize_ClientWithoutTheCodeGrant_IsUnauthorizedClient()
    {
        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"no-code-grant","secret":{"value":"{{Web.Secret}}"},"grantTypes":["client_credentials"],
              "redirectUris":["{{WebCallback}}"],"allowedScopes":["orders.read"],"allowedApis":["{{Orders}}"]}]}
            """);
        using var browser = await SignedInAsync();

        var redirect = await RedirectParametersAsync(browser, AuthorizeUrl("no-code-grant"));

        Assert.Equal("unauthorized_client", redirect["error"]);
        Assert.Equal(CodeFlow.State, redirect["state"]);
    }

    [Fact]
    public async Task Authorize_MissingResponseTypeOrChallenge_IsInvalidRequest()
    {
        using var browser = await SignedInAsync();

        Assert.Equal("invalid_request", (await RedirectParametersAsync(browser, AuthorizeUrl(extra: ("response_type", null))))["error"]);
        Assert.Equal("invalid_request", (await RedirectParametersAsync(browser, AuthorizeUrl(extra: [("code_challenge", null), ("code_challenge_method", null)])))["error"]);
        Assert.Equal("invalid_request", (await RedirectParametersAsync(browser, AuthorizeUrl(extra: ("code_challenge", "too-short"))))["error"]);
    }

    [Fact]
    public async Task Authorize_ScopesBeyondTheClient_AreNarrowed()
    {
        using var browser = await SignedInAsync();

        var code = await CodeAsync(browser, ("scope", "openid orders.read orders.write inventory.read made.up"));
        using var response = await RedeemAsync(code);

        Assert.Equal("openid orders.read", (await ProtocolAssert.OkJsonAsync(response)).GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Authorize_NotSignedIn_SendsToSignIn_AndWithPromptNone_ReturnsLoginRequired()
    {
        using var browser = new PageSession(Server);

        using var response = await browser.GetAsync(AuthorizeUrl());
        var none = await RedirectParametersAsync(browser, AuthorizeUrl(extra: ("prompt", "none")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/account/login?returnUrl=%2Fconnect%2Fauthorize%3F", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("login_required", none["error"]);
        Assert.Equal(Server.Issuer, none["iss"]);
    }

    [Fact]
    public async Task Authorize_PromptLogin_SendsToSignInWithAReturnUrlThatDoesNotAskAgain()
    {
        using var browser = await SignedInAsync();

        using var response = await browser.GetAsync(AuthorizeUrl(extra: ("prompt", "login consent")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var returnUrl = QueryHelpers.ParseQuery(new Uri(new Uri(Server.Issuer), response.Headers.Location!).Query)["returnUrl"].ToString();
        Assert.StartsWith("/connect/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.Contains("prompt=consent", returnUrl, StringComparison.Ordinal);
        Assert.DoesNotContain("login", returnUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_MaxAgeExceeded_SendsToSignInAgain()
    {
        using var browser = await SignedInAsync();
        Server.Time.Advance(TimeSpan.FromMinutes(10));

        using var stale = await browser.GetAsync(AuthorizeUrl(extra: ("max_age", "300")));
        var fresh = await RedirectParametersAsync(browser, AuthorizeUrl(extra: ("max_age", "3600")));

        Assert.Equal(HttpStatusCode.Found, stale.StatusCode);
        Assert.StartsWith("/account/login?", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True(fresh.ContainsKey("code"));
    }

    [Fact]
    public async Task Authorize_MaxAgeZero_SignsInOnceAndThenIssuesTheCode()
    {
        var name = "maxage-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(name, CodeFlow.Password);
        using var browser = new PageSession(Server);
        using (await browser.SubmitAsync("/account/login", ("Username", name), ("Password", CodeFlow.Password), ("ReturnUrl", "/")))
        {
        }

        Server.Time.Advance(TimeSpan.FromSeconds(1));
        using var toSignIn = await browser.GetAsync(AuthorizeUrl(extra: ("max_age", "0")));
        var login = toSignIn.Headers.Location!.OriginalString;
        var returnUrl = QueryHelpers.ParseQuery(login.Split('?', 2)[1])["returnUrl"].ToString();
        Assert.StartsWith("/account/login?", login, StringComparison.Ordinal);
        Assert.DoesNotContain("max_age", returnUrl, StringComparison.Ordinal);

        Server.Time.Advance(TimeSpan.FromSeconds(1));
        using var signedIn = await browser.SubmitAsync(login, ("Username", name), ("Password", CodeFlow.Password), ("ReturnUrl", returnUrl));
        Server.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await RedirectParametersAsync(browser, signedIn.Headers.Location!.OriginalString)).ContainsKey("code"));
    }

    [Fact]
    public async Task Authorize_ByPost_WorksLikeGet()
    {
        using var browser = await SignedInAsync();
        var query = QueryHelpers.ParseQuery(AuthorizeUrl().Split('?', 2)[1]);

        using var response = await browser.PostAsync("/connect/authorize", query.Select(q => (q.Key, q.Value.ToString())));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith(WebCallback + "?code=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_FormPost_ReturnsAFormToTheRedirectUriThatWorksWithoutScript()
    {
        using var browser = await SignedInAsync();

        using var response = await browser.GetAsync(AuthorizeUrl(extra: ("response_mode", "form_post")));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<form method=\"post\" action=\"{WebCallback}\">", html, StringComparison.Ordinal);
        Assert.Matches("<input type=\"hidden\" name=\"code\" value=\"[0-9a-f]{12}[A-Za-z0-9_-]{43}\">", html);
        Assert.Contains("name=\"state\" value=\"af0ifjsldkj/+ x\"", html, StringComparison.Ordinal);
        Assert.Contains($"name=\"iss\" value=\"{Server.Issuer}\"", html, StringComparison.Ordinal);
        Assert.Contains("<button type=\"submit\">", html, StringComparison.Ordinal);
        Assert.Contains("form-action https://web.example.test", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Token_CodeRedeemedTwice_FailsAndRevokesWhatTheFirstRedemptionIssued()
    {
        using var browser = await SignedInAsync();
        var code = await CodeAsync(browser);
        using var first = await RedeemAsync(code);
        var accessToken = (await ProtocolAssert.OkJsonAsync(first)).GetProperty("access_token").GetString()!;

        using var second = await RedeemAsync(code);

        await ProtocolAssert.ErrorAsync(second, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False((await Server.IntrospectAsync(accessToken, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Token_ConcurrentRedemptionsOfOneCode_ExactlyOneSucceeds()
    {
        using var browser = await SignedInAsync();
        var code = await CodeAsync(browser);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RedeemAsync(code)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    public static TheoryData<string, string?> BadRedemptions => new()
    {
        { "code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj" },
        { "code_verifier", null },
        { "redirect_uri", WebCallback + "/" },
        { "redirect_uri", null },
    };

    [Theory]
    [MemberData(nameof(BadRedemptions))]
    public async Task Token_WrongVerifierOrRedirectUri_IsInvalidGrant_AndSpendsTheCode(string name, string? value)
    {
        using var browser = await SignedInAsync();
        var code = await CodeAsync(browser);

        using var wrong = await RedeemAsync(code, extra: (name, value));
        using var retry = await RedeemAsync(code);

        await ProtocolAssert.ErrorAsync(wrong, HttpStatusCode.BadRequest, "invalid_grant");
        await ProtocolAssert.ErrorAsync(retry, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_CodeOfAnotherClient_IsInvalidGrant()
    {
        using var browser = await SignedInAsync();
        var code = await CodeAsync(browser);

        using var response = await RedeemAsync(code, WebWithoutPkce);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_ExpiredCode_IsInvalidGrant()
    {
        using var browser = await SignedInAsync();
        var code = await CodeAsync(browser);
        Server.Time.Advance(TimeSpan.FromSeconds(61));

        using var response = await RedeemAsync(code);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_VerifierForACodeIssuedWithoutAChallenge_IsInvalidGrant()
    {
        using var browser = await SignedInAsync();
        var code = (await RedirectParametersAsync(browser, AuthorizeUrl(WebWithoutPkce.Id, extra: [("code_challenge", null), ("code_challenge_method", null)])))["code"];

        using var response = await RedeemAsync(code, WebWithoutPkce);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Authorize_MfaClientWithoutASecondFactor_SendsToEnrolment_OrWithPromptNoneSaysInteractionRequired()
    {
        using var browser = await SignedInAsync();

        using var mfa = await browser.GetAsync(AuthorizeUrl(MfaWeb.Id));
        var mfaNone = await RedirectParametersAsync(browser, AuthorizeUrl(MfaWeb.Id, extra: ("prompt", "none")));

        Assert.Equal(HttpStatusCode.Found, mfa.StatusCode);
        Assert.StartsWith("/account/mfa?returnUrl=", mfa.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("interaction_required", mfaNone["error"]);
    }

    [Fact]
    public async Task Authorize_MfaClient_AfterEnrolmentContinues_AndTheIdTokenSaysMfa()
    {
        using var browser = await SignedInAsync();
        using var toEnrol = await browser.GetAsync(AuthorizeUrl(MfaWeb.Id));
        var enrolUrl = toEnrol.Headers.Location!.OriginalString;

        var page = await browser.GetPageAsync(enrolUrl);
        var key = AuthServer.Protocol.Users.Base32.Decode(System.Text.RegularExpressions.Regex.Match(page, "<code id=\"manual-key\">([A-Z2-7 ]+)</code>").Groups[1].Value)!;
        var code = AuthServer.Protocol.Users.Totp.Compute(key, AuthServer.Protocol.Users.Totp.StepAt(Server.Time.GetUtcNow()));
        var postTo = "/account/mfa?handler=enable&returnUrl=" + Uri.EscapeDataString(QueryHelpers.ParseQuery(enrolUrl.Split('?')[1])["returnUrl"].ToString());
        using var enrolled = await browser.SubmitToAsync(enrolUrl, postTo, ("Code", code));
        var html = await enrolled.Content.ReadAsStringAsync();
        var continueUrl = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "<a id=\"continue\" href=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith("/connect/authorize?", continueUrl, StringComparison.Ordinal);

        var redirect = await RedirectParametersAsync(browser, continueUrl);
        using var tokens = await RedeemAsync(redirect["code"], MfaWeb);

        var idToken = await ValidateIdTokenAsync((await ProtocolAssert.OkJsonAsync(tokens)).GetProperty("id_token").GetString()!, MfaWeb.Id);
        Assert.Equal(["pwd", "mfa"], idToken.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
        Assert.Equal("urn:authserver:loa:mfa", idToken.GetClaim("acr").Value);
    }

    private async Task<JsonWebToken> ValidateIdTokenAsync(string idToken, string audience)
    {
        var jwks = new JsonWebKeySet(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = Server.Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = ["JWT"],
            LifetimeValidator = (notBefore, expires, _, _) => expires > Server.Time.GetUtcNow().UtcDateTime,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    [Fact]
    public async Task Authorize_WithANulInTheClientId_IsAnErrorPage_NotTemporarilyUnavailable()
    {
        // Found by the fuzzer: on PostgreSQL the NUL reached the client lookup, which failed like an outage (503).
        using var browser = new PageSession(Server);

        using var response = await browser.GetAsync(CodeFlow.AuthorizeUrl(clientId: "a\0b"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class SqliteAuthorizationCodeFlowTests(SqliteServerFixture fixture) : AuthorizationCodeFlowTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAuthorizationCodeFlowTests(PostgresServerFixture fixture) : AuthorizationCodeFlowTests(fixture), IClassFixture<PostgresServerFixture>;
