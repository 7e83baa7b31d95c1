using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// RFC 8693 token exchange at /connect/token, what <see cref="TokenExchangeTests"/> and
/// <see cref="TokenExchangeRefusalTests"/> share. A front client (tx-frontend) holds tokens for the Orders API; the
/// orders service exchanges them for the internal Ledger API, and the ledger service exchanges those again for the
/// internal Archive API. The policies, APIs and claims are these classes' own, imported before their first request.
/// </summary>
public abstract class TokenExchangeTestBase(ServerFixture fixture) : IAsyncLifetime
{
    protected const string Grant = "urn:ietf:params:oauth:grant-type:token-exchange";
    protected const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    protected const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";
    protected const string JwtType = "urn:ietf:params:oauth:token-type:jwt";
    protected const string RefreshTokenType = "urn:ietf:params:oauth:token-type:refresh_token";

    protected const string Ledger = "https://api.example.test/ledger";
    protected const string Archive = "https://api.example.test/archive";
    protected const string Reports = "https://api.example.test/reports";
    protected const string Retired = "https://api.example.test/retired";

    protected static readonly (string Id, string Secret) Frontend = ("tx-frontend", Secret('f'));
    protected static readonly (string Id, string Secret) FrontendJwt = ("tx-frontend-jwt", Secret('k'));
    protected static readonly (string Id, string Secret) OrdersService = ("tx-orders-svc", Secret('s'));
    protected static readonly (string Id, string Secret) LedgerService = ("tx-ledger-svc", Secret('l'));
    protected static readonly (string Id, string Secret) Impersonator = ("tx-impersonator", Secret('i'));
    protected static readonly (string Id, string Secret) TxWeb = ("tx-web", Secret('b'));
    protected static readonly (string Id, string Secret) TxGateway = ("tx-gateway", Secret('y'));

    private static readonly string Json = $$"""
    {
      "claimTypes": [ { "name": "department" }, { "name": "clearance", "valueType": "integer" } ],
      "scopes": [
        { "name": "ledger.read", "claims": ["department"] }, { "name": "ledger.write", "claims": ["clearance"] }, { "name": "reports.read" }
      ],
      "apis": [
        { "name": "{{Ledger}}", "scopes": ["ledger.read", "ledger.write"], "signingAlgorithm": "ES256", "internal": true },
        { "name": "{{Archive}}", "scopes": ["ledger.read"], "signingAlgorithm": "ES256", "internal": true },
        { "name": "{{Reports}}", "scopes": ["reports.read"], "signingAlgorithm": "ES256" },
        { "name": "{{Retired}}", "scopes": ["reports.read"], "signingAlgorithm": "ES256", "enabled": false }
      ],
      "clients": [
        {{FrontClient(Frontend, "opaque")}},
        {{FrontClient(FrontendJwt, "jwt")}},
        { "clientId": "{{OrdersService.Id}}", "secret": { "value": "{{OrdersService.Secret}}" }, "grantTypes": ["client_credentials", "{{Grant}}"],
          "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"], "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Ledger}}", "{{Reports}}", "{{Inventory}}", "{{Retired}}"], "subjectAudiences": ["{{Orders}}"],
                             "delegation": true, "impersonation": true, "maxLifetimeSeconds": 300 } },
        { "clientId": "{{LedgerService.Id}}", "secret": { "value": "{{LedgerService.Secret}}" }, "grantTypes": ["client_credentials", "{{Grant}}"],
          "allowedScopes": ["ledger.read"], "defaultScopes": ["ledger.read"], "allowedApis": ["{{Ledger}}"], "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Archive}}"], "subjectAudiences": ["{{Ledger}}"], "delegation": true } },
        { "clientId": "{{Impersonator.Id}}", "secret": { "value": "{{Impersonator.Secret}}" }, "grantTypes": ["{{Grant}}"],
          "accessTokenFormat": "jwt", "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Ledger}}", "{{Reports}}"], "subjectAudiences": ["{{Orders}}"], "impersonation": true, "maxLifetimeSeconds": 120 } },
        { "clientId": "{{TxWeb.Id}}", "secret": { "value": "{{TxWeb.Secret}}" }, "grantTypes": ["authorization_code", "refresh_token", "{{Grant}}"],
          "redirectUris": ["{{WebCallback}}"], "allowedScopes": ["openid", "offline_access", "orders.read", "ledger.read"],
          "allowedApis": ["{{Orders}}", "{{Ledger}}"], "accessTokenLifetimeSeconds": 600,
          "tokenExchange": { "audiences": ["{{Ledger}}"], "impersonation": true, "idTokenSubject": true } },
        { "clientId": "{{TxGateway.Id}}", "secret": { "value": "{{TxGateway.Secret}}" }, "introspectionApis": ["{{Orders}}", "{{Ledger}}", "{{Archive}}", "{{Reports}}"] }
      ]
    }
    """;

    protected AuthServerHost Server => fixture.Host;

    // Idempotent: the first test's import precedes any request, so no cached catalog or client misses it.
    public async Task InitializeAsync() => await Server.ImportAsync(Json);

    public Task DisposeAsync() => Task.CompletedTask;

    protected Task<HttpResponseMessage> ExchangeAsync(
        (string Id, string Secret) client, string subjectToken, string? actorToken, params (string Name, string? Value)[] extra)
    {
        var form = new List<(string Name, string? Value)>
        {
            ("grant_type", Grant), ("subject_token", subjectToken), ("subject_token_type", AccessTokenType),
        };
        if (actorToken is not null)
        {
            form.Add(("actor_token", actorToken));
            form.Add(("actor_token_type", AccessTokenType));
        }

        // An extra parameter replaces the defaults of its name; a null value removes it.
        form.RemoveAll(f => extra.Any(e => e.Name == f.Name));
        form.AddRange(extra.Where(e => e.Value is not null));
        return Server.PostFormAsync("/connect/token", form.Select(f => (f.Name, f.Value!)), client);
    }

    /// <summary>RFC 8693 §2.2.1: a successful answer, with issued_token_type and never a refresh token.</summary>
    protected async Task<JsonElement> ExchangeOkAsync(
        (string Id, string Secret) client, string subjectToken, string? actorToken, params (string Name, string? Value)[] extra)
    {
        using var response = await ExchangeAsync(client, subjectToken, actorToken, extra);
        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal(["access_token", "expires_in", "issued_token_type", "scope", "token_type"], Names(json));
        Assert.Equal(AccessTokenType, json.GetProperty("issued_token_type").GetString());
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return json;
    }

    /// <summary>A new user with a department, signed in to tx-web through the authorization code flow.</summary>
    protected async Task<(JsonElement Tokens, string UserId)> UserTokensAsync(string scope)
    {
        var name = "tx-" + Guid.NewGuid().ToString("N")[..8];
        var user = await Server.CreateUserAsync(name, CodeFlow.Password);
        await Server.ImportAsync($$"""{ "userClaims": [ { "userName": "{{name}}", "claims": { "department": "finance" } } ] }""");
        using var browser = new PageSession(Server);
        using (var login = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", CodeFlow.Password), ("ReturnUrl", "/")))
        {
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        }

        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(TxWeb.Id, extra: ("scope", scope))))["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code, TxWeb);
        return (await ProtocolAssert.OkJsonAsync(response), user.Id);
    }

    protected static string Token(JsonElement json) => json.GetProperty("access_token").GetString()!;

    protected static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement.Clone();

    protected static IEnumerable<string> Names(JsonElement json) => json.EnumerateObject().Select(p => p.Name).Order();

    private static string FrontClient((string Id, string Secret) c, string format) => $$"""
        { "clientId": "{{c.Id}}", "secret": { "value": "{{c.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["orders.read", "ledger.read", "ledger.write", "reports.read"], "defaultScopes": ["orders.read"],
          "allowedApis": ["{{Orders}}", "{{Ledger}}", "{{Reports}}"], "accessTokenFormat": "{{format}}", "accessTokenLifetimeSeconds": 600,
          "claims": { "department": "sales", "clearance": 3 } }
        """;

    private static string Secret(char c) => new string(c, 20) + "-secret-0123456789abcdefghij";
}
