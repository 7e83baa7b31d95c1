using System.Net;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>
/// The scope → claim mapping changed through the admin API reaches the next token issued (the catalog cache is
/// dropped), leaves tokens already issued as they were, and shows in the explain preview (API and page).
/// </summary>
public abstract class ExplainTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    /// <summary>A claim type, a scope releasing nothing yet, an API, a JWT and an opaque client holding a value, a gateway.</summary>
    private async Task<Setup> ArrangeAsync(HttpClient api)
    {
        var id = AdminHttp.Unique();
        var s = new Setup($"team_{id}", $"svc{id}.read", $"https://api.example.test/svc-{id}",
            ($"svc-jwt-{id}", new string('j', 43)), ($"svc-opaque-{id}", new string('o', 43)), ($"svc-gw-{id}", new string('g', 43)));
        Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", $$"""{"name":"{{s.Claim}}"}""")).Status);
        Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes", $$"""{"name":"{{s.Scope}}"}""")).Status);
        Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/apis",
            $$"""{"name":"{{s.Api}}","scopes":["{{s.Scope}}"]}""")).Status);
        await Server.ImportAsync($$"""
            {"clients":[
              {{Client(s.Jwt, "jwt", s)}}, {{Client(s.Opaque, "opaque", s)}},
              {"clientId":"{{s.Gateway.Id}}","secret":{"value":"{{s.Gateway.Secret}}"},"introspectionApis":["{{s.Api}}"]}]}
            """);
        return s;
    }

    private static string Client((string Id, string Secret) c, string format, Setup s) => $$"""
        {"clientId":"{{c.Id}}","secret":{"value":"{{c.Secret}}"},"grantTypes":["client_credentials"],"allowedScopes":["{{s.Scope}}"],
         "defaultScopes":["{{s.Scope}}"],"allowedApis":["{{s.Api}}"],"accessTokenFormat":"{{format}}","claims":{"{{s.Claim}}":"blue"} }
        """;

    [Fact]
    public async Task ClaimAddedToScope_IsInTheNextToken_AndOldTokensAreUnchanged()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var s = await ArrangeAsync(api);
        var oldJwt = await Server.IssueAsync(s.Jwt, ("scope", s.Scope));
        var oldOpaque = await Server.IssueAsync(s.Opaque, ("scope", s.Scope));
        Assert.False(Payload(oldJwt).TryGetProperty(s.Claim, out _));

        var mapped = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("scopes", s.Scope), $$"""{"claims":["{{s.Claim}}"]}""");
        Assert.Equal(HttpStatusCode.OK, mapped.Status);

        // No time passes: this node dropped its cached catalog when the change committed.
        var newJwt = await Server.IssueAsync(s.Jwt, ("scope", s.Scope));
        Assert.Equal("blue", Payload(newJwt).GetProperty(s.Claim).GetString());
        var newOpaque = await Server.IssueAsync(s.Opaque, ("scope", s.Scope));
        Assert.Equal("blue", (await Server.IntrospectAsync(newOpaque, s.Gateway)).GetProperty(s.Claim).GetString());

        // Tokens carry what was released when they were issued.
        Assert.False(Payload(oldJwt).TryGetProperty(s.Claim, out _));
        var old = await Server.IntrospectAsync(oldOpaque, s.Gateway);
        Assert.True(old.GetProperty("active").GetBoolean());
        Assert.False(old.TryGetProperty(s.Claim, out _));
    }

    [Fact]
    public async Task Explain_ShowsTheClaimOnceTheScopeReleasesIt_AndWhyNotBefore()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var s = await ArrangeAsync(api);
        var request = $$"""{"clientId":"{{s.Jwt.Id}}","scopes":["{{s.Scope}}"]}""";

        var before = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/explain", request);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Empty(AccessToken(before.Body, s.Api).GetProperty("claims").EnumerateArray());
        var why = before.Body.GetProperty("notReleased").EnumerateArray().Single(w => w.GetProperty("name").GetString() == s.Claim);
        Assert.Contains("no scope releases", why.GetProperty("reason").GetString(), StringComparison.Ordinal);

        await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("scopes", s.Scope), $$"""{"claims":["{{s.Claim}}"]}""");
        var after = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/explain", request);
        Assert.Equal("jwt", after.Body.GetProperty("accessTokenFormat").GetString());
        Assert.Equal([s.Api], after.Body.GetProperty("audiences").EnumerateArray().Select(a => a.GetString()));
        var claim = AccessToken(after.Body, s.Api).GetProperty("claims").EnumerateArray().Single();
        Assert.Equal(s.Claim, claim.GetProperty("name").GetString());
        Assert.Equal("blue", claim.GetProperty("values")[0].GetString());
        Assert.Equal(s.Scope, claim.GetProperty("releasedBy").GetString());

        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync($"/admin/explain?Client={s.Jwt.Id}&Scopes={Uri.EscapeDataString(s.Scope)}");
            Assert.Contains($"Access token for {s.Api}", html, StringComparison.Ordinal);
            Assert.Contains($"<td class=\"mono\">{s.Claim}</td>", html, StringComparison.Ordinal);
            Assert.Contains("<td class=\"mono\">blue</td>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Explain_ForAUser_ShowsIdTokenAndUserinfo_AndKeepsSensitiveClaimsOutOfTheIdToken()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = AdminHttp.Unique();
        var (badge, userName) = ($"badge_{id}", $"explain-{id}");
        await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", $$"""{"name":"{{badge}}","sensitive":true}""");
        await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes", $$"""{"name":"staff.{{id}}","claims":["{{badge}}","name"]}""");
        await Server.CreateUserAsync(userName, Infrastructure.Admin.Password);
        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"web-{{id}}","secret":{"generate":true},"grantTypes":["authorization_code"],
               "redirectUris":["https://web.example.test/cb"],"allowedScopes":["openid","profile","staff.{{id}}"]}],
             "userClaims":[{"userName":"{{userName}}","claims":{"{{badge}}":"B-7","name":"Ada"} }]}
            """);

        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/explain",
            $$"""{"clientId":"web-{{id}}","userName":"{{userName}}","scopes":["openid profile","staff.{{id}}"]}""");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var tokens = response.Body.GetProperty("tokens").EnumerateArray().ToDictionary(t => t.GetProperty("token").GetString()!);
        var idToken = Claims(tokens["id_token"]);
        Assert.Equal("Ada", idToken["name"].GetProperty("values")[0].GetString());
        Assert.False(idToken.ContainsKey(badge));
        var userInfo = Claims(tokens["userinfo"]);
        Assert.Equal(JsonValueKind.Null, userInfo[badge].GetProperty("values").ValueKind);
        Assert.DoesNotContain("B-7", response.Body.ToString(), StringComparison.Ordinal);
        Assert.Contains(response.Body.GetProperty("notReleased").EnumerateArray(),
            w => w.GetProperty("name").GetString() == badge && w.GetProperty("token").GetString() == "ID token");
    }

    [Theory]
    [InlineData("""{"clientId":"no-such-client","scopes":["orders.read"]}""", "clientId")]
    [InlineData("""{"scopes":["orders.read"]}""", "clientId")]
    [InlineData("""{"clientId":"opaque-client","scopes":[]}""", "scopes")]
    [InlineData("""{"clientId":"opaque-client","scopes":["payments.charge"]}""", "scopes")]
    [InlineData("""{"clientId":"opaque-client","scopes":["orders.read"],"api":"https://api.example.test/payments"}""", "api")]
    [InlineData("""{"clientId":"opaque-client","userName":"nobody-at-all","scopes":["orders.read"]}""", "userName")]
    [InlineData("""{"clientId":"opaque-client","scopes":["orders.read"],"subject":"x"}""", "$.subject")]
    public async Task Explain_BadRequest_Is400NamingTheField(string body, string field)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/explain", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty(field, out _), response.Body.ToString());
    }

    [Fact]
    public async Task ExplainPage_UnknownClient_SaysSoBesideTheField()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin/explain?Client=ghost&Scopes=orders.read");
            Assert.Contains("<span class=\"field-error\">there is no client &#x27;ghost&#x27;</span>", html, StringComparison.Ordinal);
        }
    }

    private static JsonElement AccessToken(JsonElement explanation, string api) => explanation.GetProperty("tokens").EnumerateArray()
        .Single(t => t.GetProperty("token").GetString() == "access_token" && t.GetProperty("api").GetString() == api);

    private static Dictionary<string, JsonElement> Claims(JsonElement token) =>
        token.GetProperty("claims").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);

    private static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=')));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private sealed record Setup(
        string Claim, string Scope, string Api, (string Id, string Secret) Jwt, (string Id, string Secret) Opaque, (string Id, string Secret) Gateway);
}

public sealed class SqliteExplainTests(SqliteServerFixture fixture) : ExplainTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresExplainTests(PostgresServerFixture fixture) : ExplainTests(fixture), IClassFixture<PostgresServerFixture>;
