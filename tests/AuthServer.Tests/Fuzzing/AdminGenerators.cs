using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Fuzzing;

/// <summary>
/// /admin/api/v1/*: a real admin bearer token (or none, garbage, a token for another API) and a plausible JSON body per
/// resource, which the mutator and <see cref="FuzzValues.BadJson"/> then break. Writes name resources that the other
/// requests do not depend on, so the fuzzing sessions and tokens stay usable.
/// </summary>
public sealed class AdminApiGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) => endpoint.StartsWith("/admin/api/v1");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var reads = method == "GET";
        var path = endpoint.Fill(name => AdminPageGenerator.RouteValue(name, reads, r, c));
        var q = FuzzEndpoints.Base(endpoint, method, path);
        q.SetHeader("Authorization", r.Next(10) switch
        {
            0 => null,
            1 => "Bearer " + r.Pick(c.JwtToken, c.OpaqueToken, c.UserAccessToken, c.IdToken),
            2 => "Bearer " + FuzzValues.BreakJwt(r, c.AdminApiToken),
            _ => "Bearer " + c.AdminApiToken,
        });
        if (reads)
        {
            foreach (var (name, value) in QueryFor(r))
            {
                q.Query.Add((name, value));
            }

            return q;
        }

        if (method is "POST" or "PUT")
        {
            var json = BodyFor(endpoint.Pattern, r);
            q.Body = r.Next(3) == 0 ? FuzzValues.BadJson(r, json) : System.Text.Encoding.UTF8.GetBytes(json);
            q.SetHeader("Content-Type", r.Next(8) == 0 ? r.Pick("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1") : "application/json");
        }

        return q;
    }

    private static IEnumerable<(string, string)> QueryFor(Random r)
    {
        string[] names = ["page", "pageSize", "search", "clientId", "subject", "userName", "from", "to", "action", "actor", "target", "outcome"];
        for (var i = r.Next(0, 4); i > 0; i--)
        {
            yield return (r.Pick(names), r.Pick("1", "0", "-1", "2147483648", "99999999999999999999", "abc", "2026-11-01T00:00:00Z", "2026-13-45", "x%", "_", "opaque-client"));
        }
    }

    private static string BodyFor(string pattern, Random r)
    {
        var id = "fuzz-" + r.Next(1000);
        return pattern switch
        {
            _ when pattern.EndsWith("/clients", StringComparison.Ordinal) || pattern.EndsWith("/clients/", StringComparison.Ordinal) =>
                FuzzContext.ToJson(new { clientId = id, type = r.Pick("confidential", "public", "other"), grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { "orders.read" }, allowedApis = new[] { Orders }, accessTokenLifetimeSeconds = r.Pick(60, 0, -1, int.MaxValue) }),
            _ when pattern.Contains("/clients/{clientId}", StringComparison.Ordinal) =>
                FuzzContext.ToJson(new { displayName = "Fuzz", redirectUris = new[] { "https://x.example/cb", "not a uri" }, corsOrigins = new[] { "*" }, claims = new { dept = "x" } }),
            _ when pattern.Contains("/users", StringComparison.Ordinal) && pattern.EndsWith("/roles", StringComparison.Ordinal) =>
                FuzzContext.ToJson(new { roles = new[] { "admin", "", "x" } }),
            _ when pattern.Contains("/users", StringComparison.Ordinal) && pattern.EndsWith("/claims", StringComparison.Ordinal) =>
                "{\"claims\":{\"email\":\"a@b.example\",\"age\":1e400,\"nested\":{\"deep\":[[[]]]}}}",
            _ when pattern.Contains("/users", StringComparison.Ordinal) && pattern.EndsWith("/lock", StringComparison.Ordinal) =>
                "{\"until\":\"" + r.Pick("2030-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "yesterday") + "\"}",
            _ when pattern.Contains("/users", StringComparison.Ordinal) => FuzzContext.ToJson(new { userName = id, email = "x@example.test", password = r.Pick("short", "correct horse battery staple 1") }),
            _ when pattern.Contains("/apis", StringComparison.Ordinal) => FuzzContext.ToJson(new { name = "https://" + id + ".example", displayName = "x", scopes = new[] { "orders.read" }, signingAlgorithm = r.Pick("RS256", "none", "HS256"), enabled = true }),
            _ when pattern.Contains("/scopes", StringComparison.Ordinal) => FuzzContext.ToJson(new { name = id, description = "x", claims = new[] { "email", "nope" } }),
            _ when pattern.Contains("/claim-types", StringComparison.Ordinal) || pattern.Contains("/claims", StringComparison.Ordinal) =>
                FuzzContext.ToJson(new { name = id, description = "x", valueType = r.Pick("string", "int", "bogus"), sensitive = false }),
            _ when pattern.EndsWith("/explain", StringComparison.Ordinal) => FuzzContext.ToJson(new { clientId = Web.Id, userName = "nobody", scopes = new[] { "openid", "orders.read" }, api = Orders }),
            _ when pattern.EndsWith("/rotate", StringComparison.Ordinal) => FuzzContext.ToJson(new { algorithm = r.Pick("ES256", "RS256", "none", "") }),
            _ when pattern.EndsWith("/verify", StringComparison.Ordinal) => FuzzContext.ToJson(new { expectHead = r.Pick("00", "zz", new string('a', 64)) }),
            _ => "{}",
        };
    }
}

/// <summary>The admin pages (GET and POST, with and without the antiforgery token), as an admin with MFA, a plain user, or nobody.</summary>
public sealed class AdminPageGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) =>
        !endpoint.StartsWith("/admin/api") && (endpoint.Pattern.Equals("/admin", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("/admin/"));

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var reads = method == "GET";
        var q = FuzzEndpoints.Base(endpoint, method, endpoint.Fill(name => RouteValue(name, reads, r, c)));
        var session = r.Next(6) switch { 0 => c.User, 1 => c.Anonymous, _ => c.Admin };
        q.SetHeader("Cookie", session.Cookie);
        var fields = Fields(endpoint.Pattern, reads, r, c);
        if (reads)
        {
            q.Query = fields;
            return q;
        }

        if (r.Next(4) > 0)
        {
            fields.Add(("__RequestVerificationToken", session.Antiforgery));
        }

        q.WithForm([.. fields]);
        if (endpoint.Pattern.Contains("/users/{userName}", StringComparison.Ordinal) || endpoint.Pattern.EndsWith("/audit", StringComparison.Ordinal)
            || endpoint.Pattern.Contains("/clients/{clientId}", StringComparison.Ordinal))
        {
            q.Query.Add(("handler", r.Pick("lock", "unlock", "resetmfa", "roles", "claims", "verify", "enable", "nothing")));
        }

        return q;
    }

    /// <summary>Reads name real resources; writes name fuzz-only ones, so no fuzz request breaks the fixtures' clients or keys.</summary>
    public static string RouteValue(string name, bool reads, Random r, FuzzContext c) => name.ToLowerInvariant() switch
    {
        "clientid" => reads ? r.Pick(Opaque.Id, Web.Id, "nobody") : "fuzz-client-" + r.Next(100),
        "username" => reads ? r.Pick(c.UserName, c.VictimUserName, "nobody") : r.Pick(c.VictimUserName, "nobody"),
        "name" => reads ? r.Pick(Orders, "orders.read", "email", "nobody") : "fuzz-" + r.Next(100),
        "kid" or "reference" or "familyid" => r.Pick("nothing", "00000000-0000-0000-0000-000000000000", new string('f', 64), "-1"),
        _ => "fuzz-" + r.Next(100),
    };

    private static List<(string, string)> Fields(string pattern, bool reads, Random r, FuzzContext c)
    {
        var id = "fuzz-" + r.Next(1000);
        return pattern switch
        {
            "/admin/clients/new" or "/admin/clients/{clientId}" when !reads =>
            [
                ("Form.ClientId", id), ("Form.Type", r.Pick("confidential", "public", "x")), ("Form.GrantTypes", "client_credentials"),
                ("Form.AllowedScopes", "orders.read"), ("Form.AllowedApis", Orders), ("Form.RedirectUris", "https://x.example/cb\nnot a uri"),
                ("Form.AccessTokenLifetimeSeconds", r.Pick("60", "-1", "99999999999", "x")), ("Form.Claims", r.Pick("{\"a\":1}", "{", "[]")),
                ("Form.ExchangeMaxLifetimeSeconds", r.Pick("300", "1e9")),
            ],
            "/admin/users/new" => [("UserName", id), ("Email", "x@example.test"), ("Password", r.Pick("short", "correct horse battery staple 2"))],
            "/admin/users/{userName}" => [("Until", r.Pick("2030-01-01", "not a date", "9999-12-31T23:59:59")), ("Roles", r.Pick("admin", "")),
                ("Claims", r.Pick("{\"email\":\"a@b.example\"}", "{", "email=x"))],
            "/admin/claims/edit" => [("Existing", reads ? r.Pick("email", "nobody") : ""), ("Name", id), ("ValueType", r.Pick("string", "bogus")), ("Sensitive", r.Pick("true", "maybe"))],
            "/admin/claims/delete" => [("TypeName", reads ? "email" : id)],
            "/admin/resources/apis/edit" => [("Existing", reads ? Orders : ""), ("Name", "https://" + id + ".example"), ("Scopes", "orders.read"), ("SigningAlgorithm", r.Pick("RS256", "none")), ("Enabled", "true")],
            "/admin/resources/scopes/edit" => [("Existing", reads ? "orders.read" : ""), ("Name", id), ("Claims", "email")],
            "/admin/resources/delete" => [("Kind", r.Pick("api", "scope", "x")), ("ResourceName", reads ? Orders : id)],
            "/admin/keys/rotate" => [("Algorithm", r.Pick("ES256", "RS256", "none"))],
            "/admin/keys/revoke" => [("Kid", r.Pick("nothing", ""))],
            "/admin/tokens/revoke" => [("Reference", r.Pick("nothing", "")), ("Family", "nothing"), ("UserName", c.VictimUserName), ("ClientId", r.Pick(Web.Id, "nobody"))],
            "/admin/explain" => [("Client", Web.Id), ("UserName", c.UserName), ("Scopes", "openid orders.read"), ("Api", Orders)],
            "/admin/audit" or "/admin/audit/export" => [("from", r.Pick("2026-01-01", "x")), ("to", "2027-01-01"), ("action", "login"), ("PageNumber", r.Pick("1", "-5", "99999999999"))],
            _ => [("Search", r.Pick("a", "%", "_", "")), ("Q", "x"), ("PageNumber", r.Pick("1", "0", "-1", "2147483648", "x")), ("ApiPage", "2"), ("ScopePage", "-3")],
        };
    }
}
