using System.Net;
using System.Security.Claims;
using System.Text.Json;
using AuthServer.Data.Entities;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// Every claim in a token comes from the claims store, released by a granted scope for the token's API: JWT access
/// tokens, introspection, ID tokens and userinfo.
/// </summary>
public abstract class ClaimsStoreTests(ServerFixture fixture)
{
    private const string Hr = "https://api.example.test/hr";
    private const string Other = "https://api.example.test/other";
    private static readonly (string Id, string Secret) HrJwt = ("hr-jwt", new string('k', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) HrOpaque = ("hr-opaque", new string('q', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) HrGateway = ("hr-gateway", new string('r', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) AllGateway = ("all-gateway", new string('s', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) HrWeb = ("hr-web", new string('t', 20) + "-secret-0123456789abcdefghij");

    // Registered claims every JWT access token carries (RFC 9068 §2.2), whatever the store holds.
    private static readonly string[] Registered = ["aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"];

    private AuthServerHost Server => fixture.Host;

    private static string Configuration(string department = "it") => $$"""
    {
      "claimTypes": [
        { "name": "department" }, { "name": "clearance", "valueType": "integer" }, { "name": "vip", "valueType": "boolean" },
        { "name": "tags" }, { "name": "location", "valueType": "json" }, { "name": "secret_code", "sensitive": true },
        { "name": "other_only" }
      ],
      "scopes": [
        { "name": "hr.read", "claims": ["department", "clearance", "vip", "tags", "location", "secret_code"] },
        { "name": "hr.bare" },
        { "name": "hr.other", "claims": ["other_only"] },
        { "name": "staff", "description": "identity scope: no API lists it", "claims": ["department", "secret_code", "name"] }
      ],
      "apis": [
        { "name": "{{Hr}}", "scopes": ["hr.read", "hr.bare"] },
        { "name": "{{Other}}", "scopes": ["hr.other"] }
      ],
      "clients": [
        {{ServiceClient(HrJwt, "jwt", department)}},
        {{ServiceClient(HrOpaque, "opaque", department)}},
        { "clientId": "{{HrGateway.Id}}", "secret": { "value": "{{HrGateway.Secret}}" }, "introspectionApis": ["{{Hr}}"] },
        { "clientId": "{{AllGateway.Id}}", "secret": { "value": "{{AllGateway.Secret}}" }, "introspectionApis": ["{{Hr}}", "{{Other}}"] },
        { "clientId": "{{HrWeb.Id}}", "secret": { "value": "{{HrWeb.Secret}}" }, "grantTypes": ["authorization_code"],
          "redirectUris": ["{{WebCallback}}"], "allowedScopes": ["openid", "profile", "staff", "hr.read"], "allowedApis": ["{{Hr}}"],
          "accessTokenFormat": "jwt" }
      ]
    }
    """;

    private static string ServiceClient((string Id, string Secret) c, string format, string department) => $$"""
        { "clientId": "{{c.Id}}", "secret": { "value": "{{c.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["hr.read", "hr.bare", "hr.other"], "defaultScopes": ["hr.read"], "allowedApis": ["{{Hr}}", "{{Other}}"],
          "accessTokenFormat": "{{format}}",
          "claims": { "department": "{{department}}", "clearance": 3, "vip": true, "tags": ["a", "b"],
                      "location": { "city": "Oslo" }, "secret_code": "s3", "other_only": "x" } }
        """;

    /// <summary>Imports this class's configuration and lets every cache see it (caches are bounded by fake time).</summary>
    private async Task ConfigureAsync(string department = "it")
    {
        var result = await Server.ImportAsync(Configuration(department));
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors));
        Server.Time.Advance(TimeSpan.FromSeconds(31));
    }

    [Fact]
    public async Task JwtAccessToken_CarriesTheClientsClaimsItsScopesRelease_Typed()
    {
        await ConfigureAsync();

        var token = new JsonWebToken(await Server.IssueAsync(HrJwt, ("scope", "hr.read")));

        var payload = Payload(token);
        Assert.Equal(Registered.Concat(["clearance", "department", "location", "secret_code", "tags", "vip"]).Order(StringComparer.Ordinal),
            payload.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("it", payload.GetProperty("department").GetString());
        Assert.Equal(3, payload.GetProperty("clearance").GetInt32());
        Assert.True(payload.GetProperty("vip").GetBoolean());
        Assert.Equal(["a", "b"], payload.GetProperty("tags").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Oslo", payload.GetProperty("location").GetProperty("city").GetString());
        Assert.Equal(HrJwt.Id, payload.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task JwtAccessToken_ScopeThatReleasesNothing_CarriesNoStoreClaims()
    {
        await ConfigureAsync();

        var token = new JsonWebToken(await Server.IssueAsync(HrJwt, ("scope", "hr.bare")));

        Assert.Equal(Registered, Payload(token).EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JwtAccessToken_ForAnotherApi_CarriesOnlyThatApisClaims()
    {
        await ConfigureAsync();

        var token = new JsonWebToken(await Server.IssueAsync(HrJwt, ("scope", "hr.other")));

        var payload = Payload(token);
        Assert.Equal(Registered.Append("other_only").Order(StringComparer.Ordinal), payload.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Other, payload.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task Introspection_ShowsOnlyTheClaimsReleasedForTheCallersApis()
    {
        await ConfigureAsync();
        var token = await Server.IssueAsync(HrOpaque, ("scope", "hr.read hr.other"));

        var hrOnly = await Server.IntrospectAsync(token, HrGateway);
        var both = await Server.IntrospectAsync(token, AllGateway);

        Assert.Equal("it", hrOnly.GetProperty("department").GetString());
        Assert.False(hrOnly.TryGetProperty("other_only", out _));
        Assert.Equal("x", both.GetProperty("other_only").GetString());
        Assert.Equal("it", both.GetProperty("department").GetString());
    }

    [Fact]
    public async Task StoreChange_AppliesToNewTokens_NotToTokensAlreadyIssued()
    {
        await ConfigureAsync();
        var before = await Server.IssueAsync(HrOpaque);

        await ConfigureAsync(department: "ops");
        var after = await Server.IssueAsync(HrOpaque);

        Assert.Equal("it", (await Server.IntrospectAsync(before, HrGateway)).GetProperty("department").GetString());
        Assert.Equal("ops", (await Server.IntrospectAsync(after, HrGateway)).GetProperty("department").GetString());
        await ConfigureAsync();
    }

    [Fact]
    public async Task SignIn_IdTokenUserInfoAndAccessToken_EachGetWhatTheirScopesRelease()
    {
        await ConfigureAsync();
        var name = "claims-" + Guid.NewGuid().ToString("N")[..8];
        var user = await Server.CreateUserAsync(name, CodeFlow.Password);
        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
            var added = await users.AddClaimsAsync(await users.FindByIdAsync(user.Id) ?? user,
                [new Claim("department", "sales"), new Claim("secret_code", "u1"), new Claim("name", "Ursula"), new Claim("clearance", "7")]);
            Assert.True(added.Succeeded);
        }

        using var browser = await CodeFlow.SignedInAsAsync(Server, name);
        var redirect = await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(HrWeb.Id, extra: ("scope", "openid profile staff hr.read")));
        Assert.True(redirect.ContainsKey("code"), string.Join("; ", redirect));
        var code = redirect["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code, HrWeb);
        var tokens = await ProtocolAssert.OkJsonAsync(response);

        // ID token: identity scopes' claims, never a sensitive one and never an API scope's.
        var idToken = Payload(new JsonWebToken(tokens.GetProperty("id_token").GetString()));
        Assert.Equal("Ursula", idToken.GetProperty("name").GetString());
        Assert.Equal(name, idToken.GetProperty("preferred_username").GetString());
        Assert.Equal("sales", idToken.GetProperty("department").GetString());
        Assert.False(idToken.TryGetProperty("secret_code", out _));
        Assert.False(idToken.TryGetProperty("clearance", out _));

        // Access token: the API scope's claims, with the user's values (sensitive ones included: back channel).
        var access = Payload(new JsonWebToken(tokens.GetProperty("access_token").GetString()));
        Assert.Equal(Hr, access.GetProperty("aud").GetString());
        Assert.Equal("sales", access.GetProperty("department").GetString());
        Assert.Equal(7, access.GetProperty("clearance").GetInt32());
        Assert.Equal("u1", access.GetProperty("secret_code").GetString());
        Assert.False(access.TryGetProperty("name", out _));
        Assert.False(access.TryGetProperty("vip", out _));

        // Userinfo: identity scopes' claims, sensitive ones included.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        using var userInfo = await Server.Http.SendAsync(request);
        var info = await ProtocolAssert.OkJsonAsync(userInfo);
        Assert.Equal(["department", "name", "preferred_username", "secret_code", "sub"],
            info.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(user.Id, info.GetProperty("sub").GetString());
    }

    public static TheoryData<string, string> BadImports => new()
    {
        { """{"claimTypes":[{"name":"sub"}]}""", "$.claimTypes[0].name" },
        { """{"claimTypes":[{"name":"act"}]}""", "$.claimTypes[0].name" },
        { """{"claimTypes":[{"name":"has space"}]}""", "$.claimTypes[0].name" },
        { """{"claimTypes":[{"name":"x","valueType":"date"}]}""", "$.claimTypes[0].valueType" },
        { """{"scopes":[{"name":"s.x","claims":["nowhere"]}]}""", "$.scopes[0].claims[0]" },
        { """{"scopes":[{"name":"profile","claims":["name"]}]}""", "$.scopes[0].name" },
        { """{"claimTypes":[{"name":"n","valueType":"integer"}],"userClaims":[{"userName":"x","claims":{"n":"high"}}]}""", "$.userClaims[0].claims.n" },
        { """{"claimTypes":[{"name":"b","valueType":"boolean"}],"userClaims":[{"userName":"x","claims":{"b":"yes"}}]}""", "$.userClaims[0].claims.b" },
        { """{"claimTypes":[{"name":"j","valueType":"json"}],"userClaims":[{"userName":"x","claims":{"j":"{not json"}}]}""", "$.userClaims[0].claims.j" },
        { """{"userClaims":[{"userName":"x","claims":{"undefined_claim":"v"}}]}""", "$.userClaims[0].claims.undefined_claim" },
    };

    [Theory]
    [MemberData(nameof(BadImports))]
    public async Task Import_BadClaimsConfiguration_IsRefusedWithItsPath(string json, string path)
    {
        var result = await ImportAllowingErrorsAsync(json);

        Assert.Contains(result.Errors, e => e.Path == path);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public async Task Import_ClaimsForAnUnknownUser_ChangesNothing()
    {
        await ConfigureAsync();
        var json = Configuration("changed").TrimEnd()[..^1] + """, "userClaims": [{ "userName": "nobody-here", "claims": { "department": "x" } }] }""";

        var result = await ImportAllowingErrorsAsync(json);

        Assert.Contains(result.Errors, e => e.Message.Contains("nobody-here", StringComparison.Ordinal));
        Server.Time.Advance(TimeSpan.FromSeconds(31));
        var token = await Server.IssueAsync(HrOpaque);
        Assert.Equal("it", (await Server.IntrospectAsync(token, HrGateway)).GetProperty("department").GetString());
    }

    private Task<AuthServer.Data.Import.ImportResult> ImportAllowingErrorsAsync(string json) =>
        new AuthServer.Data.Import.ConfigurationImporter(Server.Service<AuthServer.Data.AuthServerDatabase>(), Server.Time,
            Server.Service<AuthServer.Protocol.Grants.GrantHandlers>().Names).ImportAsync(json, CancellationToken.None);

    private static JsonElement Payload(JsonWebToken token) =>
        JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.EncodedPayload)).RootElement.Clone();
}

public sealed class SqliteClaimsStoreTests(SqliteServerFixture fixture) : ClaimsStoreTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresClaimsStoreTests(PostgresServerFixture fixture) : ClaimsStoreTests(fixture), IClassFixture<PostgresServerFixture>;
