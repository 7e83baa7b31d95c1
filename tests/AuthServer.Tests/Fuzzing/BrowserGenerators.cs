using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Fuzzing;

/// <summary>
/// /connect/authorize (GET and POST; request objects and request_uri, which this server refuses: no PAR endpoint is
/// mapped) and /connect/endsession, with and without a signed-in session.
/// </summary>
public sealed class BrowserEndpointGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) => endpoint.StartsWith("/connect/authorize") || endpoint.StartsWith("/connect/endsession");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var q = FuzzEndpoints.Base(endpoint, method, endpoint.Pattern);
        List<(string Name, string Value)> parameters = endpoint.StartsWith("/connect/authorize") ? Authorize(r, c) : EndSession(r, c);
        if (method == "POST")
        {
            q.WithForm([.. parameters]);
        }
        else
        {
            q.Query = parameters;
        }

        if (r.Next(3) > 0)
        {
            q.SetHeader("Cookie", r.Pick(c.User, c.Admin, c.Anonymous).Cookie);
        }

        return q;
    }

    private static List<(string, string)> Authorize(Random r, FuzzContext c)
    {
        var (client, redirect) = r.Pick((Web.Id, WebCallback), (ConsentWeb.Id, WebCallback), (MfaWeb.Id, WebCallback), (Spa, SpaCallback),
            (WebWithoutPkce.Id, "http://127.0.0.1/callback"));
        List<(string, string)> p =
        [
            ("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", r.Pick("openid profile orders.read", "openid", "orders.read offline_access")),
            ("state", CodeFlow.State), ("nonce", "n-0S6_WzA2Mj"), ("code_challenge", CodeFlow.Challenge), ("code_challenge_method", "S256"),
        ];
        switch (r.Next(8))
        {
            case 0: p.Add(("prompt", r.Pick("none", "login", "consent", "select_account", "none login"))); break;
            case 1: p.Add(("response_mode", r.Pick("form_post", "query", "fragment", "jwt"))); break;
            case 2: p.Add(("max_age", r.Pick("0", "-1", "99999999999999999999", "1.5", "abc"))); break;
            case 3: p.Add(("request", r.Pick(c.IdToken, c.JwtToken, FuzzValues.BreakJwt(r, c.IdToken)))); break; // request objects (OIDC Core §6.1)
            case 4: p.Add(("request_uri", r.Pick("urn:ietf:params:oauth:request_uri:abc", "https://evil.example/req", ""))); break; // PAR / §6.2
            case 5: p.Add(("id_token_hint", c.IdToken)); p.Add(("login_hint", c.UserName)); break;
            case 6: p.Add(("claims", "{\"userinfo\":{\"email\":{\"essential\":true}}}")); p.Add(("ui_locales", "fr-CA en")); break;
            default: break;
        }

        return p;
    }

    private static List<(string, string)> EndSession(Random r, FuzzContext c)
    {
        List<(string, string)> p = [("state", "s-" + r.Next())];
        if (r.Next(4) > 0)
        {
            p.Add(("id_token_hint", c.IdToken));
        }

        if (r.Next(2) == 0)
        {
            p.Add(("client_id", r.Pick(Web.Id, Spa, "nobody")));
        }

        if (r.Next(3) > 0)
        {
            p.Add(("post_logout_redirect_uri", r.Pick(WebSignedOut, "https://evil.example/", WebCallback)));
        }

        return p;
    }
}

/// <summary>The account pages, GET and POST, with and without their antiforgery token, signed in or not.</summary>
public sealed class AccountPageGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) => endpoint.StartsWith("/account/");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var q = FuzzEndpoints.Base(endpoint, method, endpoint.Pattern);
        var returnUrl = r.Pick("/", "/admin", CodeFlow.AuthorizeUrl(ConsentWeb.Id), "https://evil.example/", "//evil.example", "/\\evil.example", "");
        var session = endpoint.Pattern is "/account/login" ? r.Pick(c.Anonymous, c.Anonymous, c.User) : r.Pick(c.User, c.User, c.Anonymous);
        q.SetHeader("Cookie", r.Next(8) == 0 ? null : session.Cookie);
        List<(string, string)> form = endpoint.Pattern switch
        {
            "/account/login" => [("Username", r.Pick(c.UserName, "nobody", c.VictimUserName)), ("Password", r.Pick("wrong", CodeFlow.Password)), ("ReturnUrl", returnUrl)],
            "/account/login/mfa" => [("Code", r.Pick("123456", "000000", "12345a", "")), ("ReturnUrl", returnUrl)],
            "/account/mfa" => [("Code", r.Pick("123456", "")), ("Password", r.Pick("wrong", CodeFlow.Password)), ("ReturnUrl", returnUrl)],
            "/account/consent" => [("ReturnUrl", returnUrl), ("decision", r.Pick("allow", "deny", "maybe")), ("clientId", r.Pick(ConsentWeb.Id, "nobody"))],
            "/account/logout" => [("LogoutId", r.Pick("", "CfDJ8garbage", FuzzValues.BadBase64(r)))],
            _ => [("ReturnUrl", returnUrl)],
        };
        if (method == "POST")
        {
            if (r.Next(4) > 0)
            {
                form.Add(("__RequestVerificationToken", session.Antiforgery));
            }

            q.WithForm([.. form]);
            if (endpoint.Pattern is "/account/mfa" or "/account/consent")
            {
                q.Query.Add(("handler", r.Pick("enable", "disable", "revoke", "nothing")));
            }
        }
        else
        {
            q.Query.Add(("returnUrl", returnUrl));
        }

        return q;
    }
}

/// <summary>The home page, the assets, and paths nothing maps (the <see cref="FuzzEndpoint.Unknown"/> pseudo-endpoint).</summary>
public sealed class MiscGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) =>
        endpoint.Pattern is "/" or "(unknown)" || endpoint.StartsWith("/assets/") || endpoint.StartsWith("/admin/api/{documentName");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var path = endpoint.Pattern switch
        {
            "(unknown)" => r.Pick("/connect/nothing", "/connect", "/.well-known/webfinger", "/admin/api/v2/clients", "/admin/api/v1/nothing", "/admin/nothing",
                "/account", "/favicon.ico", "/robots.txt", "/%ff", "/assets/../appsettings.json", "/.git/config", "/connect/par", "/connect/device_authorization"),
            _ => endpoint.Fill(_ => r.Pick("v1", "v2", "../x", "")),
        };
        var q = FuzzEndpoints.Base(endpoint, method, path);
        if (r.Next(3) == 0)
        {
            q.SetHeader("Cookie", r.Pick(c.User, c.Admin).Cookie);
        }

        if (path.StartsWith("/admin/api", StringComparison.Ordinal) && r.Next(2) == 0)
        {
            q.SetHeader("Authorization", "Bearer " + c.AdminApiToken);
        }

        if (r.Next(4) == 0)
        {
            q.SetHeader("If-None-Match", r.Pick("\"x\"", "*", "W/\"\""));
        }

        return q;
    }
}

/// <summary>/health/live and /health/ready: no parameters, no credentials; whatever comes must be ignored, never a 5xx.</summary>
public sealed class HealthGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) => endpoint.StartsWith("/health/");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var q = FuzzEndpoints.Base(endpoint, r.Next(4) == 0 ? r.Pick("POST", "HEAD", "DELETE") : method, endpoint.Pattern);
        if (r.Next(3) == 0)
        {
            q.SetHeader("Cookie", r.Pick(c.User, c.Admin).Cookie);
        }

        if (r.Next(3) == 0)
        {
            q.SetHeader("Authorization", r.Pick("Bearer " + c.AdminApiToken, "Basic !!!", "Bearer"));
        }

        return q;
    }
}
