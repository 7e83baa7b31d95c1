using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Observability;

/// <summary>
/// Issue 7 §6: a full run with every log category at Trace, through the real pipeline, and then a search of
/// everything logged for every token, code, secret and password that run used or issued.
/// </summary>
public abstract class LogSecretTests(ServerFixture fixture, CapturedLogs logs) : IAsyncLifetime
{
    private const string Exchange = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    private const string Ledger = "https://api.example.test/ledger";

    private static readonly (string Id, string Secret) CcOpaque = ("obs-cc-opaque", NewSecret());
    private static readonly (string Id, string Secret) CcJwt = ("obs-cc-jwt", NewSecret());
    private static readonly (string Id, string Secret) WebApp = ("obs-web", NewSecret());
    private static readonly (string Id, string Secret) Service = ("obs-svc", NewSecret());
    private static readonly (string Id, string Secret) Gate = ("obs-gateway", NewSecret());
    private static readonly (string Id, string Secret) Automation = ("obs-admin", NewSecret());

    private AuthServerHost Server => fixture.Host;

    // Idempotent: the first test's import precedes any request, so no cached client miss hides it.
    public async Task InitializeAsync() => await Server.ImportAsync(Catalog());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task FullRun_EveryCategoryAtTrace_LogsNoTokenCodeSecretOrPassword()
    {
        var scan = new SecretScan();
        foreach (var (id, secret) in new[] { CcOpaque, CcJwt, WebApp, Service, Gate, Automation })
        {
            scan.Value($"secret of {id}", secret);
        }

        // client_credentials, both formats; wrong secrets (Basic and form), and a secret for an unknown client.
        scan.Token("opaque client_credentials token", await Server.IssueAsync(CcOpaque));
        scan.Token("JWT client_credentials token", await Server.IssueAsync(CcJwt));
        foreach (var wrong in new[] { NewSecret(), NewSecret() })
        {
            scan.Value("wrong client secret", wrong);
            using var basic = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (CcOpaque.Id, wrong));
            Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
        }

        var formSecret = NewSecret();
        scan.Value("wrong form secret", formSecret);
        using (var form = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("client_id", "no-such-client"), ("client_secret", formSecret)]))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, form.StatusCode);
        }

        // A person: wrong passwords, then password and a TOTP code (a wrong one first), then the code flow with PKCE.
        using var browser = await SignInWithMfaAsync(scan);
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        scan.Value("code_verifier", verifier);
        var challenge = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(WebApp.Id, extra:
            [("scope", "openid profile offline_access orders.read ledger.read"), ("code_challenge", challenge)])))["code"];
        scan.Token("authorization code", code);
        var session = browser.Cookie("authserver.session")!.Value;
        scan.Value("session cookie", session);
        var tokens = await OkAsync(await Server.PostFormAsync("/connect/token",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", WebCallback), ("code_verifier", verifier)], WebApp));
        var access = Scan(scan, "code flow", tokens);

        // Refresh, then token exchange of the user's token for an internal API (delegation, the service as actor).
        var refreshed = await OkAsync(await Server.PostFormAsync("/connect/token",
            [("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!)], WebApp));
        var refreshedAccess = Scan(scan, "refresh", refreshed);
        var actor = await Server.IssueAsync(Service);
        scan.Token("actor token", actor);
        var exchanged = await OkAsync(await Server.PostFormAsync("/connect/token",
            [("grant_type", Exchange), ("subject_token", access), ("subject_token_type", AccessTokenType),
             ("actor_token", actor), ("actor_token_type", AccessTokenType), ("audience", Ledger)], Service));
        Scan(scan, "token exchange", exchanged);

        // Introspection (JSON and RFC 9701 JWT), the phantom token, userinfo (header and query), revocation.
        Assert.True((await Server.IntrospectAsync(refreshedAccess, Gate)).GetProperty("active").GetBoolean());
        Assert.False((await Server.IntrospectAsync(NewSecret(), Gate)).GetProperty("active").GetBoolean());
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("token", exchanged.GetProperty("access_token").GetString()!)]),
        })
        {
            request.Headers.Authorization = AuthServerHost.BasicHeader(Gate.Id, Gate.Secret);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/token-introspection+jwt"));
            using var response = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            scan.Jwt("introspection JWT response", await response.Content.ReadAsStringAsync());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom"))
        {
            request.Headers.Authorization = AuthServerHost.BasicHeader(Gate.Id, Gate.Secret);
            request.Headers.Add("X-Access-Token", "Bearer " + refreshedAccess);
            using var response = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            scan.Jwt("phantom token", response.Headers.GetValues("X-Phantom-Token").Single());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshedAccess);
            using var response = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (await Server.Http.GetAsync("/connect/userinfo?access_token=" + Uri.EscapeDataString(refreshedAccess)))
        {
            // Whatever the answer, the query string must not reach a log.
        }

        using (var revoke = await Server.PostFormAsync("/connect/revoke",
            [("token", refreshed.GetProperty("refresh_token").GetString()!), ("token_type_hint", "refresh_token")], WebApp))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        // The admin API with its bearer token, and with a tampered one.
        var adminToken = await Server.IssueAsync(Automation);
        scan.Token("admin API token", adminToken);
        using (var api = Infrastructure.Admin.BearerClient(Server, adminToken))
        using (var clients = await api.GetAsync("/admin/api/v1/clients"))
        {
            Assert.Equal(HttpStatusCode.OK, clients.StatusCode);
        }

        var tampered = adminToken[..^4] + (adminToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using (var api = Infrastructure.Admin.BearerClient(Server, tampered))
        using (var refused = await api.GetAsync("/admin/api/v1/clients"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The code again: refused as a replay (which revokes what it issued).
        using (var replay = await Server.PostFormAsync("/connect/token",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", WebCallback), ("code_verifier", verifier)], WebApp))
        {
            Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        }

        // End session with the ID token in the query string (OpenID Connect RP-Initiated Logout §2).
        using (var logout = await browser.GetAsync("/connect/endsession?id_token_hint=" + Uri.EscapeDataString(tokens.GetProperty("id_token").GetString()!)))
        {
            Assert.True(logout.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found, $"{(int)logout.StatusCode}");
        }

        await Server.FlushAuditAsync();

        var text = logs.Text();
        Assert.Contains("Microsoft.AspNetCore.", text, StringComparison.Ordinal);
        Assert.Contains("Microsoft.EntityFrameworkCore.", text, StringComparison.Ordinal);
        Assert.Contains("AuthServer.Http.ErrorResponseMiddleware", text, StringComparison.Ordinal);
        Assert.Contains("CorrelationId=", text, StringComparison.Ordinal);
        Assert.True(scan.Secrets.Count >= 25, $"only {scan.Secrets.Count} secrets were collected");
        var found = scan.FindIn(text);
        Assert.True(found.Count == 0, $"{found.Count} secrets in the logs ({logs.Entries.Count} entries):\n" + string.Join("\n", found));
    }

    [Fact]
    public async Task MalformedRequestLine_WithATokenInItsQuery_TheTokenIsNotLogged()
    {
        var scan = new SecretScan();
        var token = await Server.IssueAsync(CcOpaque);
        scan.Token("token in a malformed request line", token);

        // A control character makes the request line invalid: Kestrel answers 400 and describes what it read.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /connect/userinfo?access_token={token}\0 HTTP/1.1\r\nHost: x\r\n\r\n"));
        var answer = new byte[512];
        var read = await stream.ReadAsync(answer);
        Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(answer, 0, read), StringComparison.Ordinal);

        var found = scan.FindIn(logs.Text());
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public async Task Scan_TokenFragmentInALogScope_IsFound()
    {
        // The search itself: a fragment of a token's signature, logged as part of a scope, is reported.
        var scan = new SecretScan();
        var token = await Server.IssueAsync(CcJwt);
        scan.Jwt("planted token", token);
        var log = Server.Service<ILoggerFactory>().CreateLogger("Planted");
        using (log.BeginScope("context {Value}", token.Split('.')[2][5..(5 + SecretScan.Window + 2)]))
        {
            log.LogDebug("planted");
        }

        Assert.Single(scan.FindIn(logs.Text()));
    }

    private async Task<PageSession> SignInWithMfaAsync(SecretScan scan)
    {
        var name = "obs-" + Guid.NewGuid().ToString("N")[..8];
        var password = "pw " + NewSecret();
        scan.Value("user password", password);
        var user = await Server.CreateUserAsync(name, password);
        string key;
        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            await users.ResetAuthenticatorKeyAsync(stored);
            key = (await users.GetAuthenticatorKeyAsync(stored))!;
            await users.SetTwoFactorEnabledAsync(stored, true);
        }

        scan.Value("TOTP key", key);
        var browser = new PageSession(Server);
        foreach (var wrong in new[] { "pw " + NewSecret(), password + "x" })
        {
            scan.Value("wrong password", wrong);
            using var failed = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", wrong), ("ReturnUrl", "/"));
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var first = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", password), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        var mfaPage = first.Headers.Location!.OriginalString;
        var step = Totp.StepAt(Server.Time.GetUtcNow());
        var code = Totp.Compute(Base32.Decode(key)!, step);
        var wrongCode = Totp.Compute(Base32.Decode(key)!, step + 1000);
        using (var failed = await browser.SubmitAsync(mfaPage, ("Code", wrongCode), ("ReturnUrl", "/")))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var second = await browser.SubmitAsync(mfaPage, ("Code", code), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, second.StatusCode);
        scan.Value("TOTP code", code);
        scan.Value("wrong TOTP code", wrongCode);
        return browser;
    }

    private static string Scan(SecretScan scan, string what, JsonElement tokens)
    {
        var access = tokens.GetProperty("access_token").GetString()!;
        scan.Token($"{what} access token", access);
        if (tokens.TryGetProperty("refresh_token", out var refresh))
        {
            scan.Token($"{what} refresh token", refresh.GetString()!);
        }

        if (tokens.TryGetProperty("id_token", out var id))
        {
            scan.Jwt($"{what} ID token", id.GetString()!);
        }

        return access;
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return await ProtocolAssert.OkJsonAsync(response);
        }
    }

    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static string Catalog() => $$"""
        {
          "scopes": [ { "name": "ledger.read" } ],
          "apis": [ { "name": "{{Ledger}}", "scopes": ["ledger.read"], "signingAlgorithm": "ES256", "internal": true } ],
          "clients": [
            { "clientId": "{{CcOpaque.Id}}", "secret": { "value": "{{CcOpaque.Secret}}" }, "grantTypes": ["client_credentials"],
              "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"], "accessTokenFormat": "opaque" },
            { "clientId": "{{CcJwt.Id}}", "secret": { "value": "{{CcJwt.Secret}}" }, "grantTypes": ["client_credentials"],
              "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"], "accessTokenFormat": "jwt" },
            { "clientId": "{{WebApp.Id}}", "secret": { "value": "{{WebApp.Secret}}" }, "grantTypes": ["authorization_code", "refresh_token"],
              "redirectUris": ["{{WebCallback}}"], "postLogoutRedirectUris": ["{{WebSignedOut}}"],
              "allowedScopes": ["openid", "profile", "offline_access", "orders.read", "ledger.read"], "allowedApis": ["{{Orders}}", "{{Ledger}}"] },
            { "clientId": "{{Service.Id}}", "secret": { "value": "{{Service.Secret}}" }, "grantTypes": ["client_credentials", "{{Exchange}}"],
              "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"],
              "tokenExchange": { "audiences": ["{{Ledger}}"], "subjectAudiences": ["{{Orders}}"], "delegation": true } },
            { "clientId": "{{Gate.Id}}", "secret": { "value": "{{Gate.Secret}}" }, "introspectionApis": ["{{Orders}}", "{{Ledger}}"] },
            { "clientId": "{{Automation.Id}}", "secret": { "value": "{{Automation.Secret}}" }, "grantTypes": ["client_credentials"],
              "allowedScopes": ["{{Infrastructure.Admin.ApiScope}}"], "defaultScopes": ["{{Infrastructure.Admin.ApiScope}}"], "allowedApis": ["{{Infrastructure.Admin.ApiName}}"],
              "accessTokenFormat": "jwt" }
          ]
        }
        """;
}

public sealed class SqliteCapturingFixture : SqliteServerFixture
{
    public CapturedLogs Logs { get; } = new();

    protected override string[] ExtraArgs => CapturedLogs.EverythingArgs;

    protected override void Configure(WebApplicationBuilder builder) => Logs.AddTo(builder);
}

public sealed class PostgresCapturingFixture : PostgresServerFixture
{
    public CapturedLogs Logs { get; } = new();

    protected override string[] ExtraArgs => CapturedLogs.EverythingArgs;

    protected override void Configure(WebApplicationBuilder builder) => Logs.AddTo(builder);
}

public sealed class SqliteLogSecretTests(SqliteCapturingFixture fixture)
    : LogSecretTests(fixture, fixture.Logs), IClassFixture<SqliteCapturingFixture>;

public sealed class PostgresLogSecretTests(PostgresCapturingFixture fixture)
    : LogSecretTests(fixture, fixture.Logs), IClassFixture<PostgresCapturingFixture>;
