using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>/admin/api/v1/clients over real HTTP: every operation, what it refuses, and what the token endpoint then does.</summary>
public abstract class ClientsApiTests(ServerFixture fixture)
{
    private const string Base = "/admin/api/v1/clients";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Create_Confidential_Is201WithLocationAndTheSecretOnce_AndTheSecretGetsATokenOverHttp()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        using var response = await PostJsonAsync(api, Base, MachineClient(id));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal($"{Base}/{id}", response.Headers.Location!.OriginalString);
        var created = JsonDocument.Parse(body).RootElement;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.True(secret.Length >= 43, "a generated secret carries at least 256 bits");
        Assert.True(created.GetProperty("client").GetProperty("hasSecret").GetBoolean());
        Assert.DoesNotContain("sha256:", body, StringComparison.Ordinal);

        var token = await Server.IssueAsync((id, secret), ("scope", "orders.read"));
        Assert.NotEmpty(token);

        // Read back: the settings, never the secret or its hash.
        var read = await api.GetStringAsync(response.Headers.Location);
        Assert.DoesNotContain(secret, read, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256:", read, StringComparison.Ordinal);
        var settings = JsonDocument.Parse(read).RootElement.GetProperty("settings");
        Assert.Equal("confidential", settings.GetProperty("type").GetString());
        Assert.Equal(["client_credentials"], settings.GetProperty("grantTypes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Create_Public_HasNoSecret()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        using var response = await PostJsonAsync(api, Base, new
        {
            clientId = id, type = "public", grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "https://spa.example.test/cb" },
            allowedScopes = new[] { "openid" }, corsOrigins = new[] { "https://spa.example.test", "http://127.0.0.1:5173" },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var created = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Null, created.GetProperty("secret").ValueKind);
        Assert.Equal(["https://spa.example.test", "http://127.0.0.1:5173"],
            created.GetProperty("client").GetProperty("settings").GetProperty("corsOrigins").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Create_ExistingId_Is409()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        (await PostJsonAsync(api, Base, MachineClient(id))).EnsureSuccessStatusCode();
        using var again = await PostJsonAsync(api, Base, MachineClient(id));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("id", "42")]
    [InlineData("secretHash", "\"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"")]
    [InlineData("createdAt", "\"2020-01-01T00:00:00Z\"")]
    [InlineData("secret", "{\"value\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}")]
    public async Task Create_WithAMemberThatIsNotWritable_Is400AndCreatesNothing(string member, string value)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        using var response = await SendRawAsync(api, HttpMethod.Post, Base, $$"""{"clientId":"{{id}}","{{member}}":{{value}}}""");
        var errors = await ValidationErrorsAsync(response);
        Assert.Contains(errors.EnumerateObject(), e => e.Name.Contains(member, StringComparison.Ordinal));
        using var read = await api.GetAsync($"{Base}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Update_WithClientIdInTheBody_Is400()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        (await PostJsonAsync(api, Base, MachineClient(id))).EnsureSuccessStatusCode();
        using var response = await SendRawAsync(api, HttpMethod.Put, $"{Base}/{id}", """{"clientId":"someone-else"}""");
        var errors = await ValidationErrorsAsync(response);
        Assert.True(errors.TryGetProperty("$.clientId", out _), errors.ToString());
    }

    [Theory]
    [InlineData("redirectUris", "http://web.example.test/callback", "redirectUris[0]")]
    [InlineData("allowedScopes", "no-such-scope", "allowedScopes[0]")]
    [InlineData("allowedApis", "https://api.example.test/none", "allowedApis[0]")]
    [InlineData("grantTypes", "password", "grantTypes[0]")]
    [InlineData("corsOrigins", "https://app.example.test/path", "corsOrigins[0]")]
    [InlineData("corsOrigins", "http://app.example.test", "corsOrigins[0]")]
    public async Task Create_WithABadListItem_Is400KeyedByItsPath(string member, string item, string path)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        using var response = await SendRawAsync(api, HttpMethod.Post, Base, $$"""{"clientId":"{{id}}","{{member}}":["{{item}}"]}""");
        var errors = await ValidationErrorsAsync(response);
        Assert.True(errors.TryGetProperty(path, out _), errors.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/{id}")).StatusCode);
    }

    [Fact]
    public async Task Create_WithAnUnknownClaimType_Is400KeyedByTheClaim()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var response = await PostJsonAsync(api, Base, new { clientId = NewId(), claims = new { no_such_claim = "x" } });
        var errors = await ValidationErrorsAsync(response);
        Assert.True(errors.TryGetProperty("claims.no_such_claim", out _), errors.ToString());
    }

    [Fact]
    public async Task Create_WithABadClientIdAndLifetime_NamesBothFields()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var response = await PostJsonAsync(api, Base, new { clientId = "has space", accessTokenLifetimeSeconds = 5 });
        var errors = await ValidationErrorsAsync(response);
        Assert.True(errors.TryGetProperty("clientId", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("accessTokenLifetimeSeconds", out _), errors.ToString());
    }

    [Fact]
    public async Task UnknownClient_Is404ForEveryOperation()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var path = $"{Base}/no-such-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PutJsonAsync(api, path, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync(path + "/secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync(path + "/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync(path + "/enable", null)).StatusCode);
        using var delete = await api.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal("application/problem+json", delete.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Update_ReplacesEverySetting_AndTheNextTokenRequestOnThisNodeSeesIt()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        await Server.ImportAsync("""{"claimTypes":[{"name":"department"}]}""");
        var id = NewId();
        var secret = await CreateAsync(api, MachineClient(id));

        // An opaque token first, so the client is in this node's cache.
        Assert.DoesNotContain('.', await Server.IssueAsync((id, secret), ("scope", "orders.read")));

        var settings = new
        {
            displayName = "Billing batch", grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { "orders.read", "inventory.read" },
            defaultScopes = new[] { "orders.read" }, allowedApis = new[] { Orders, Inventory }, introspectionApis = new[] { Orders },
            accessTokenFormat = "jwt", accessTokenLifetimeSeconds = 900, refreshTokenLifetimeSeconds = 86_400, refreshTokenIdleSeconds = 3_600,
            requirePkce = false, requireConsent = true, requireMfa = true, idTokenSigningAlgorithm = "ES256",
            corsOrigins = new[] { "https://billing.example.test" }, redirectUris = new[] { "https://billing.example.test/cb" },
            postLogoutRedirectUris = new[] { "https://billing.example.test/bye" }, claims = new { department = new[] { "finance", "audit" } },
        };
        using var put = await PutJsonAsync(api, $"{Base}/{id}", settings);
        var body = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, body);

        var read = JsonDocument.Parse(await api.GetStringAsync($"{Base}/{id}")).RootElement.GetProperty("settings");
        Assert.Equal("Billing batch", read.GetProperty("displayName").GetString());
        Assert.Equal("jwt", read.GetProperty("accessTokenFormat").GetString());
        Assert.Equal(900, read.GetProperty("accessTokenLifetimeSeconds").GetInt32());
        Assert.False(read.GetProperty("requirePkce").GetBoolean());
        Assert.True(read.GetProperty("requireMfa").GetBoolean());
        Assert.Equal("ES256", read.GetProperty("idTokenSigningAlgorithm").GetString());
        Assert.Equal(["finance", "audit"], read.GetProperty("claims").GetProperty("department").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, read.GetProperty("tokenExchange").ValueKind);

        // The same secret still works, and the client's cache entry was dropped: the token is now a JWT.
        Assert.Equal(3, (await Server.IssueAsync((id, secret), ("scope", "orders.read"))).Split('.').Length);

        // GET's settings are a valid PUT body: a round trip changes nothing.
        using var again = await SendRawAsync(api, HttpMethod.Put, $"{Base}/{id}", read.GetRawText());
        Assert.True(again.StatusCode == HttpStatusCode.OK, await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RotateSecret_OldSecretIsInvalidClientAtOnce_NewOneWorks()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        var old = await CreateAsync(api, MachineClient(id));
        await Server.IssueAsync((id, old), ("scope", "orders.read"));

        using var rotate = await api.PostAsync($"{Base}/{id}/secret", null);
        var body = await rotate.Content.ReadAsStringAsync();
        Assert.True(rotate.StatusCode == HttpStatusCode.OK, body);
        var fresh = JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
        Assert.NotEqual(old, fresh);

        await ProtocolAssert.ErrorAsync(await TokenAsync(id, old), HttpStatusCode.Unauthorized, "invalid_client");
        Assert.NotEmpty(await Server.IssueAsync((id, fresh), ("scope", "orders.read")));
    }

    [Fact]
    public async Task Update_PublicToConfidential_GeneratesASecretOnce_AndBackToPublicDropsIt()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        (await PostJsonAsync(api, Base, new { clientId = id, type = "public" })).EnsureSuccessStatusCode();

        var machine = new { type = "confidential", grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { "orders.read" }, allowedApis = new[] { Orders } };
        using var confidential = await PutJsonAsync(api, $"{Base}/{id}", machine);
        var secret = JsonDocument.Parse(await confidential.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));

        // Saving again keeps that secret and makes no new one.
        using var again = await PutJsonAsync(api, $"{Base}/{id}", machine);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").ValueKind);

        using var toPublic = await PutJsonAsync(api, $"{Base}/{id}", new { type = "public" });
        Assert.False(JsonDocument.Parse(await toPublic.Content.ReadAsStringAsync()).RootElement.GetProperty("client").GetProperty("hasSecret").GetBoolean());
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, secret), HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task RotateSecret_OfAPublicClient_Is400()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        (await PostJsonAsync(api, Base, new { clientId = id, type = "public" })).EnsureSuccessStatusCode();
        using var rotate = await api.PostAsync($"{Base}/{id}/secret", null);
        Assert.Equal(HttpStatusCode.BadRequest, rotate.StatusCode);
    }

    [Fact]
    public async Task Disable_GivesInvalidClient_EnableRestoresIt()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        var secret = await CreateAsync(api, MachineClient(id));
        await Server.IssueAsync((id, secret), ("scope", "orders.read"));

        using var disable = await api.PostAsync($"{Base}/{id}/disable", null);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.False(JsonDocument.Parse(await disable.Content.ReadAsStringAsync()).RootElement.GetProperty("settings").GetProperty("enabled").GetBoolean());
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, secret), HttpStatusCode.Unauthorized, "invalid_client");

        (await api.PostAsync($"{Base}/{id}/enable", null)).EnsureSuccessStatusCode();
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));
    }

    [Fact]
    public async Task Delete_Is204_TheClientGetsNoTokens_AndItsTokensAreRevoked()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        var secret = await CreateAsync(api, MachineClient(id));
        var token = await Server.IssueAsync((id, secret), ("scope", "orders.read"));
        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());

        using var delete = await api.DeleteAsync($"{Base}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/{id}")).StatusCode);
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, secret), HttpStatusCode.Unauthorized, "invalid_client");
        Assert.False((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task List_SearchesIdAndNameIgnoringCase_AndPages()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var tag = Guid.NewGuid().ToString("N")[..10];
        await CreateAsync(api, MachineClient($"a-{tag}"));
        await CreateAsync(api, MachineClient($"b-{tag}"));
        (await PostJsonAsync(api, Base, new { clientId = NewId(), type = "public", displayName = $"Shop {tag.ToUpperInvariant()}" })).EnsureSuccessStatusCode();

        var all = JsonDocument.Parse(await api.GetStringAsync($"{Base}?search={tag.ToUpperInvariant()}")).RootElement;
        Assert.Equal(3, all.GetProperty("total").GetInt64());

        var first = JsonDocument.Parse(await api.GetStringAsync($"{Base}?search={tag}&pageSize=2&page=1")).RootElement;
        var second = JsonDocument.Parse(await api.GetStringAsync($"{Base}?search={tag}&pageSize=2&page=2")).RootElement;
        Assert.Equal([$"a-{tag}", $"b-{tag}"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("clientId").GetString()));
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.Equal(2, second.GetProperty("pageCount").GetInt32());
        Assert.DoesNotContain("sha256:", first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryChange_WritesOneAuditEvent_WithoutTheSecret()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        var secret = await CreateAsync(api, MachineClient(id));
        (await PutJsonAsync(api, $"{Base}/{id}", new { displayName = "Renamed", grantTypes = new[] { "client_credentials" } })).EnsureSuccessStatusCode();
        using var rotate = await api.PostAsync($"{Base}/{id}/secret", null);
        var rotated = JsonDocument.Parse(await rotate.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        (await api.PostAsync($"{Base}/{id}/disable", null)).EnsureSuccessStatusCode();
        (await api.DeleteAsync($"{Base}/{id}")).EnsureSuccessStatusCode();

        await using var db = Server.Service<AuthServerDatabase>().CreateContext();
        var rows = await db.AuditEvents.AsNoTracking().Where(e => e.Target == "client:" + id).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(
            ["admin.client.created", "admin.client.updated", "admin.client.secret_rotated", "admin.client.disabled", "admin.client.deleted"],
            rows.Select(r => r.Action));
        Assert.All(rows, r => Assert.Equal("success", r.Outcome));

        // Every stored member of every row (whatever columns the audit log has), as text.
        var stored = JsonSerializer.Serialize(rows);
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256:", stored, StringComparison.Ordinal);

        // Before and after, and who made the change.
        var change = JsonDocument.Parse(rows[1].Data!).RootElement;
        Assert.Null(change.GetProperty("before").GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal("Renamed", change.GetProperty("after").GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal("client:" + Infrastructure.Admin.Automation.Id, rows[1].Actor);
        Assert.All(rows, r => Assert.Equal("127.0.0.1", r.Source));
    }

    [Theory]
    [InlineData("https://app.example.test/", "trailing slash")]
    [InlineData("https://App.example.test", "uppercase host")]
    [InlineData("https://app.example.test:443", "default port written")]
    [InlineData("ftp://app.example.test", "not http(s)")]
    [InlineData("http://app.example.test", "plain http off loopback")]
    public async Task Import_WithABadCorsOrigin_IsRefusedWithItsPath(string origin, string why)
    {
        var importer = new AuthServer.Data.Import.ConfigurationImporter(Server.Service<AuthServerDatabase>(), Server.Time,
            Server.Service<AuthServer.Protocol.Grants.GrantHandlers>().Names);
        var result = await importer.ImportAsync($$"""{"clients":[{"clientId":"{{NewId()}}","type":"public","corsOrigins":["{{origin}}"]}]}""", default);
        Assert.True(result.Errors.Any(e => e.Path == "$.clients[0].corsOrigins[0]"), why);
    }

    [Fact]
    public async Task Import_CorsOrigins_AreStoredAndShownByTheApi()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = NewId();
        await Server.ImportAsync($$"""{"clients":[{"clientId":"{{id}}","type":"public","corsOrigins":["https://app.example.test","http://localhost:3000","https://app.example.test:8443"]}]}""");
        var settings = JsonDocument.Parse(await api.GetStringAsync($"{Base}/{id}")).RootElement.GetProperty("settings");
        Assert.Equal(["https://app.example.test", "http://localhost:3000", "https://app.example.test:8443"],
            settings.GetProperty("corsOrigins").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheClientEndpoints()
    {
        var doc = JsonDocument.Parse(await Server.Http.GetStringAsync("/admin/api/v1/openapi.json")).RootElement;
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(Base, paths);
        Assert.Contains($"{Base}/{{clientId}}", paths);
        Assert.Contains($"{Base}/{{clientId}}/secret", paths);
    }

    internal static object MachineClient(string id) => new
    {
        clientId = id, grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { "orders.read" },
        defaultScopes = new[] { "orders.read" }, allowedApis = new[] { Orders },
    };

    internal static string NewId() => "c-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<string> CreateAsync(HttpClient api, object client)
    {
        using var response = await PostJsonAsync(api, Base, client);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }

    private Task<HttpResponseMessage> TokenAsync(string id, string secret) =>
        Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "orders.read")], (id, secret));

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient api, string path, object body) => api.PostAsJsonAsync(path, body);

    private static Task<HttpResponseMessage> PutJsonAsync(HttpClient api, string path, object body) => api.PutAsJsonAsync(path, body);

    private static Task<HttpResponseMessage> SendRawAsync(HttpClient api, HttpMethod method, string path, string json) =>
        api.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    private static async Task<JsonElement> ValidationErrorsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").Clone();
    }
}

public sealed class SqliteClientsApiTests(SqliteServerFixture fixture) : ClientsApiTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresClientsApiTests(PostgresServerFixture fixture) : ClientsApiTests(fixture), IClassFixture<PostgresServerFixture>;
