using AuthServer.Data;
using AuthServer.Data.Import;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public sealed class ImportTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private AuthServerHost _server = null!;

    public async Task InitializeAsync() => _server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private Task<ImportResult> ImportAsync(string json) =>
        new ConfigurationImporter(_server.Service<AuthServerDatabase>(), _server.Time, _server.Service<AuthServer.Protocol.Grants.GrantHandlers>().Names.ToHashSet()).ImportAsync(json, CancellationToken.None);

    [Fact]
    public async Task Import_SameFileTwice_ChangesNothingTheSecondTime()
    {
        var first = await ImportAsync(TestClients.Json);
        var before = await Snapshot();

        var second = await ImportAsync(TestClients.Json);

        Assert.Empty(first.Errors);
        Assert.Contains(first.Changes, c => c.StartsWith("created", StringComparison.Ordinal));
        Assert.All(second.Changes, c => Assert.StartsWith("unchanged", c));
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Import_ShippedExampleFile_IsValidAndGeneratesSecretsOnce()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "examples", "authserver.json"));

        var first = await ImportAsync(json);
        var second = await ImportAsync(json);

        Assert.Empty(first.Errors);
        Assert.Equal(5, first.GeneratedSecrets.Count);
        Assert.Empty(second.GeneratedSecrets);
        var (id, secret) = first.GeneratedSecrets.Single(s => s.ClientId == "partner-portal");
        Assert.Equal(43, secret.Length);
        await _server.IssueAsync((id, secret));
    }

    [Fact]
    public async Task Import_SignInSettings_ReachTheClientAsTheEngineSeesIt()
    {
        var result = await ImportAsync("""
            {"clients":[
              {"clientId":"web","secret":{"generate":true},"redirectUris":["https://app.example/cb","http://127.0.0.1/cb"],
               "postLogoutRedirectUris":["https://app.example/"],"requireConsent":true,"requireMfa":true,"requirePkce":false,
               "idTokenSigningAlgorithm":"ES256","refreshTokenLifetimeSeconds":86400,"refreshTokenIdleSeconds":3600},
              {"clientId":"spa","type":"public","redirectUris":["com.example.app:/cb"]}
            ]}
            """);

        Assert.Empty(result.Errors);
        var clients = _server.Service<AuthServer.Protocol.Clients.IClientStore>();
        var web = (await clients.FindAsync("web", CancellationToken.None))!;
        Assert.Equal(["https://app.example/cb", "http://127.0.0.1/cb"], web.RedirectUris);
        Assert.Equal(["https://app.example/"], web.PostLogoutRedirectUris);
        Assert.True(web.RequireConsent);
        Assert.True(web.RequireMfa);
        Assert.False(web.RequirePkce);
        Assert.Equal("ES256", web.IdTokenSigningAlgorithm);
        Assert.Equal(TimeSpan.FromDays(1), web.RefreshTokenLifetime);
        Assert.Equal(TimeSpan.FromHours(1), web.RefreshTokenIdleLifetime);
        var spa = (await clients.FindAsync("spa", CancellationToken.None))!;
        Assert.True(spa.RequirePkce);
        Assert.False(spa.RequireConsent);
        Assert.Equal("RS256", spa.IdTokenSigningAlgorithm);
        Assert.Equal(["com.example.app:/cb"], spa.RedirectUris);
    }

    [Fact]
    public async Task Import_TestUsers_InDevelopment_CanSignIn_AndASecondImportLeavesThemAlone()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "examples", "test-users.json"));
        var importer = new ConfigurationImporter(_server.Service<AuthServerDatabase>(), _server.Time,
            _server.Service<AuthServer.Protocol.Grants.GrantHandlers>().Names, new ImportUsersPolicy(true, 12));

        // The test users' claims name claim types the example configuration defines.
        Assert.Empty((await importer.ImportAsync(
            await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "examples", "authserver.json")), CancellationToken.None)).Errors);

        var first = await importer.ImportAsync(json, CancellationToken.None);
        var second = await importer.ImportAsync(json, CancellationToken.None);

        Assert.Empty(first.Errors);
        Assert.Contains("created test user 'alice'", first.Changes);
        Assert.Contains("unchanged user 'alice' (its password is not reset)", second.Changes);
        Assert.Contains("unchanged claims of user 'alice'", second.Changes);
        using var browser = new PageSession(_server);
        using var signedIn = await browser.SubmitAsync("/account/login",
            ("Username", "alice"), ("Password", "alice-test-password-not-for-production"), ("ReturnUrl", "/"));
        Assert.Equal(System.Net.HttpStatusCode.Found, signedIn.StatusCode);
    }

    [Fact]
    public async Task Import_TestUsers_OutsideDevelopment_IsRefusedAndWritesNothing()
    {
        var result = await ImportAsync("""
            {"scopes":[{"name":"x.read"}],"users":[{"userName":"mallory","password":"long enough password"}]}
            """);

        Assert.Equal("$.users", Assert.Single(result.Errors).Path);
        await using var db = _server.Service<AuthServerDatabase>().CreateContext();
        Assert.False(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Scopes, s => s.Name == "x.read"));
        Assert.False(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Users, u => u.UserName == "mallory"));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["client_credentials"],"allowedScopes":["nope"]}]}""", "$.clients[0].allowedScopes[0]" },
        { """{"clients":[{"clientId":"a","secret":{"value":"short"}}]}""", "$.clients[0].secret.value" },
        { """{"clients":[{"clientId":"a","secret":{"hash":"md5:abc"}}]}""", "$.clients[0].secret.hash" },
        { """{"clients":[{"clientId":"a"}]}""", "$.clients[0].secret" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"colour":"red"}]}""", "$.clients[0].colour" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"accessTokenFormat":"saml"}]}""", "$.clients[0].accessTokenFormat" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"redirectUris":["https://app.example/cb","http://app.example/cb"]}]}""", "$.clients[0].redirectUris[1]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"redirectUris":["https://*.example/cb"]}]}""", "$.clients[0].redirectUris[0]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"redirectUris":["https://app.example/cb#x"]}]}""", "$.clients[0].redirectUris[0]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"postLogoutRedirectUris":["javascript:alert(1)"]}]}""", "$.clients[0].postLogoutRedirectUris[0]" },
        { """{"clients":[{"clientId":"a","type":"public","requirePkce":false}]}""", "$.clients[0].requirePkce" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"idTokenSigningAlgorithm":"HS256"}]}""", "$.clients[0].idTokenSigningAlgorithm" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"refreshTokenLifetimeSeconds":3600,"refreshTokenIdleSeconds":7200}]}""", "$.clients[0].refreshTokenIdleSeconds" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["password"]}]}""", "$.clients[0].grantTypes[0]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"accessTokenLifetimeSeconds":"long"}]}""", "$.clients[0].accessTokenLifetimeSeconds" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"accessTokenLifetimeSeconds":5}]}""", "$.clients[0].accessTokenLifetimeSeconds" },
        { """{"clients":[{"clientId":"a b","secret":{"generate":true}}]}""", "$.clients[0].clientId" },
        { """{"clients":[{"clientId":"p","type":"public","secret":{"generate":true}}]}""", "$.clients[0].secret" },
        { """{"clients":[{"clientId":"p","type":"public","grantTypes":["client_credentials"]}]}""", "$.clients[0].grantTypes[0]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"allowedScopes":[],"defaultScopes":["x"]}]}""", "$.clients[0].defaultScopes[0]" },
        { """{"clients":[{"clientId":"p","type":"public","grantTypes":["urn:ietf:params:oauth:grant-type:token-exchange"],"tokenExchange":{"audiences":["https://api.example.test/orders"],"delegation":true}}]}""", "$.clients[0].tokenExchange" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["urn:ietf:params:oauth:grant-type:token-exchange"]}]}""", "$.clients[0].tokenExchange" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"tokenExchange":{"audiences":["https://api.example.test/orders"],"delegation":true}}]}""", "$.clients[0].grantTypes" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["urn:ietf:params:oauth:grant-type:token-exchange"],"tokenExchange":{"audiences":["https://api.example.test/orders"]}}]}""", "$.clients[0].tokenExchange" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["urn:ietf:params:oauth:grant-type:token-exchange"],"tokenExchange":{"audiences":["https://nowhere.test/x"],"delegation":true}}]}""", "$.clients[0].tokenExchange.audiences[0]" },
        { """{"clients":[{"clientId":"a","secret":{"generate":true},"grantTypes":["urn:ietf:params:oauth:grant-type:token-exchange"],"tokenExchange":{"audiences":["https://api.example.test/orders"],"delegation":true,"maxLifetimeSeconds":5}}]}""", "$.clients[0].tokenExchange.maxLifetimeSeconds" },
        { """{"apis":[{"name":"orders","scopes":[]}]}""", "$.apis[0].name" },
        { """{"apis":[{"name":"https://x.test/a","signingAlgorithm":"HS256"}]}""", "$.apis[0].signingAlgorithm" },
        { """{"apis":[{"name":"https://x.test/a","scopes":["missing"]}]}""", "$.apis[0].scopes[0]" },
        { """{"scopes":[{"name":"a"},{"name":"a"}]}""", "$.scopes[1].name" },
        { """{"scopes":[{"name":"has space"}]}""", "$.scopes[0].name" },
        { """{"scopes": 5}""", "$.scopes" },
        { """{"scopes":[{"name":"nul.scope","description":"x\u0000y"}]}""", "$.scopes[0].description" },
        { """{"clients":[{"clientId":"a","displayName":"App\u0000","secret":{"generate":true}}]}""", "$.clients[0].displayName" },
        { """[1,2]""", "$" },
        { """{"scopes":[{"name":"a"}""", "$" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Import_WithBadField_ReportsItsPathAndWritesNothing(string json, string path)
    {
        var before = await Snapshot();
        var valid = """{"scopes":[{"name":"fine.scope"}],""";

        var result = await ImportAsync(json.StartsWith('{') && !json.StartsWith("{\"scopes", StringComparison.Ordinal) ? valid + json[1..] : json);

        Assert.Contains(result.Errors, e => e.Path.StartsWith(path, StringComparison.Ordinal));
        Assert.Empty(result.Changes);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Import_NewSecretValue_ReplacesTheOldSecret()
    {
        await ImportAsync(TestClients.Json);
        var newSecret = new string('z', 50);

        var result = await ImportAsync($$"""{"clients":[{"clientId":"opaque-client","secret":{"value":"{{newSecret}}"},"grantTypes":["client_credentials"],"allowedScopes":["orders.read"],"defaultScopes":["orders.read"],"allowedApis":["{{TestClients.Orders}}"]}]}""");

        Assert.Equal(["updated client 'opaque-client'"], result.Changes);
        await _server.IssueAsync(("opaque-client", newSecret));
    }

    private async Task<string> Snapshot()
    {
        var rows = new List<string>();
        foreach (var table in new[] { "scopes", "apis", "clients", "client_secrets" })
        {
            rows.AddRange((await Database.QueryAsync(_server, $"SELECT * FROM {table} ORDER BY id")).Select(r => table + ":" + string.Join('|', r)));
        }

        return string.Join('\n', rows);
    }

    internal static string RepositoryRoot() => AuthServer.Testing.Loopback.RepositoryRoot();
}
