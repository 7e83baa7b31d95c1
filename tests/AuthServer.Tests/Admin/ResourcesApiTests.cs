using System.Net;
using System.Text;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests.Admin;

/// <summary>/admin/api/v1/apis and /scopes over HTTP: every operation, and every refusal as problem details.</summary>
public abstract class ResourcesApiTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Api_CreateGetUpdateListDelete_EachAuditedWithBeforeAndAfter()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = AdminHttp.Unique();
        var scope = $"s{id}.read";
        var name = $"https://api.example.test/{id}/v1";
        Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes", $$"""{"name":"{{scope}}"}""")).Status);

        var created = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/apis",
            $$"""{"name":"{{name}}","displayName":"Orders v1","scopes":["{{scope}}"],"signingAlgorithm":"RS256","internal":true}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(AdminHttp.Path("apis", name), created.Location);
        Assert.Equal("RS256", created.Body.GetProperty("signingAlgorithm").GetString());
        Assert.True(created.Body.GetProperty("enabled").GetBoolean());
        Assert.False(created.Body.GetProperty("builtIn").GetBoolean());

        var got = await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("apis", name));
        Assert.Equal(HttpStatusCode.OK, got.Status);
        Assert.Equal("Orders v1", got.Body.GetProperty("displayName").GetString());
        Assert.Equal([scope], got.Body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        var updated = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("apis", name),
            """{"displayName":"Orders","scopes":[],"signingAlgorithm":"ES256","enabled":false,"internal":false}""");
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.False(updated.Body.GetProperty("enabled").GetBoolean());

        var list = await AdminHttp.SendAsync(api, HttpMethod.Get, $"/admin/api/v1/apis?search={id}&pageSize=5");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(1, list.Body.GetProperty("total").GetInt32());
        Assert.Equal("Orders", list.Body.GetProperty("items")[0].GetProperty("displayName").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("apis", name))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("apis", name))).Status);

        var audit = await AdminHttp.AuditAsync(Server, $"api:{name}");
        Assert.Equal(["admin.api.created", "admin.api.updated", "admin.api.deleted"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("success", a.Outcome));
        AdminHttp.AssertChange(audit[1], before => Assert.Equal("RS256", before.GetProperty("signingAlgorithm").GetString()),
            after => Assert.Equal("ES256", after.GetProperty("signingAlgorithm").GetString()));
        AdminHttp.AssertChange(audit[2], before => Assert.Equal(name, before.GetProperty("name").GetString()), after => Assert.Equal(JsonValueKind.Null, after.ValueKind));
    }

    [Theory]
    [InlineData("""{"name":"https://api.example.test/x","id":7}""", "$.id")]
    [InlineData("""{"name":"https://api.example.test/x","createdAt":"2026-01-01T00:00:00Z"}""", "$.createdAt")]
    [InlineData("""{"name":"https://api.example.test/x","signingAlgorithm":"HS256"}""", "signingAlgorithm")]
    [InlineData("""{"name":"https://api.example.test/x","signingAlgorithm":"none"}""", "signingAlgorithm")]
    [InlineData("""{"name":"orders"}""", "name")]
    [InlineData("""{"name":"https://api.example.test/x#frag"}""", "name")]
    [InlineData("""{"displayName":"no name"}""", "name")]
    [InlineData("""{"name":"https://api.example.test/x","scopes":["no.such.scope"]}""", "scopes[0]")]
    public async Task Api_BadCreate_Is400NamingTheField(string body, string field)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/apis", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty(field, out _), response.Body.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("apis", "https://api.example.test/x"))).Status);
    }

    [Fact]
    public async Task Api_UpdateWithANameMember_IsRejected_SoItCannotBeRenamed()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("apis", TestClients.Orders),
            """{"name":"https://api.example.test/renamed","scopes":["orders.read"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty("$.name", out _), response.Body.ToString());
    }

    [Fact]
    public async Task Api_Duplicate_Is409()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/apis", $$"""{"name":"{{TestClients.Orders}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Contains("already", response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_UsedByClients_DeleteIs409NamingThem()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("apis", TestClients.Orders));
        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        var detail = response.Body.GetProperty("detail").GetString()!;
        Assert.Contains($"'{TestClients.Opaque.Id}'", detail, StringComparison.Ordinal);
        Assert.Contains($"'{TestClients.Gateway.Id}'", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("apis", TestClients.Orders))).Status);
    }

    [Fact]
    public async Task BuiltInAdminApi_CannotBeDeletedDisabledOrLoseItsScope()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var path = AdminHttp.Path("apis", Infrastructure.Admin.ApiName);
        Assert.True((await AdminHttp.SendAsync(api, HttpMethod.Get, path)).Body.GetProperty("builtIn").GetBoolean());

        var delete = await AdminHttp.SendAsync(api, HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.Conflict, delete.Status);
        Assert.Contains("built-in admin API", delete.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var update = await AdminHttp.SendAsync(api, HttpMethod.Put, path, """{"scopes":[],"enabled":false,"internal":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, update.Status);
        Assert.True(update.Body.GetProperty("errors").TryGetProperty("scopes", out _));
        Assert.True(update.Body.GetProperty("errors").TryGetProperty("enabled", out _));
        Assert.Equal(HttpStatusCode.OK, (await AdminHttp.SendAsync(api, HttpMethod.Get, "/admin/api/v1/me")).Status);
    }

    [Fact]
    public async Task UnknownNames_Are404()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var apiPath = AdminHttp.Path("apis", "https://api.example.test/nothing-here");
        var scopePath = AdminHttp.Path("scopes", "no.such.scope");
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, apiPath)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Put, apiPath, "{}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Delete, apiPath)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, scopePath)).Status);
        var put = await AdminHttp.SendAsync(api, HttpMethod.Put, scopePath, "{}");
        Assert.Equal(HttpStatusCode.NotFound, put.Status);
        Assert.Equal("application/problem+json", put.ContentType);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Delete, scopePath)).Status);
    }

    [Fact]
    public async Task Scope_CreateGetUpdateDelete_WithReleasedClaims()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = $"s{AdminHttp.Unique()}/profile?x";
        var created = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes",
            $$"""{"name":"{{name}}","description":"Staff","claims":["name","email"]}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var got = await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("scopes", name));
        Assert.Equal(HttpStatusCode.OK, got.Status);
        Assert.Equal(["name", "email"], got.Body.GetProperty("claims").EnumerateArray().Select(c => c.GetString()));

        var updated = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("scopes", name), """{"description":"Staff v2","claims":["locale"]}""");
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("Staff v2", updated.Body.GetProperty("description").GetString());

        var list = await AdminHttp.SendAsync(api, HttpMethod.Get, "/admin/api/v1/scopes?pageSize=200");
        var items = list.Body.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, s => s.GetProperty("name").GetString() == name);
        Assert.Contains(items, s => s.GetProperty("name").GetString() == "openid" && s.GetProperty("builtIn").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("scopes", name))).Status);
        var audit = await AdminHttp.AuditAsync(Server, $"scope:{name}");
        Assert.Equal(["admin.scope.created", "admin.scope.updated", "admin.scope.deleted"], audit.Select(a => a.Action));
        AdminHttp.AssertChange(audit[1], before => Assert.Equal("email", before.GetProperty("claims")[1].GetString()),
            after => Assert.Equal("locale", after.GetProperty("claims")[0].GetString()));
    }

    [Theory]
    [InlineData("""{"name":"x.y","claims":["no_such_claim"]}""", "claims[0]")]
    [InlineData("""{"name":"x.y","claims":["sub"]}""", "claims[0]")]
    [InlineData("""{"name":"has space"}""", "name")]
    [InlineData("""{"name":"openid"}""", "name")]
    [InlineData("""{"name":"x.y","releases":["name"]}""", "$.releases")]
    public async Task Scope_BadCreate_Is400NamingTheField(string body, string field)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty(field, out _), response.Body.ToString());
    }

    [Fact]
    public async Task Scope_UsedByAnApiAndClients_DeleteIs409NamingThem()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("scopes", "orders.read"));
        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        var detail = response.Body.GetProperty("detail").GetString()!;
        Assert.Contains($"'{TestClients.Orders}'", detail, StringComparison.Ordinal);
        Assert.Contains($"'{TestClients.Jwt.Id}'", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authserver.admin")]
    [InlineData("openid")]
    public async Task BuiltInScopes_CannotBeDeleted(string scope)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("scopes", scope));
        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Contains("built-in", response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("scopes", scope))).Status);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCatalogEndpoints()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/openapi.json");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/admin/api/v1/apis", "/admin/api/v1/apis/{name}", "/admin/api/v1/scopes/{name}", "/admin/api/v1/claim-types", "/admin/api/v1/explain" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.Contains("URL-encoded", paths.GetProperty("/admin/api/v1/apis/{name}").GetProperty("get").GetProperty("summary").GetString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteResourcesApiTests(SqliteServerFixture fixture) : ResourcesApiTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresResourcesApiTests(PostgresServerFixture fixture) : ResourcesApiTests(fixture), IClassFixture<PostgresServerFixture>;

/// <summary>Calls to the admin API with raw JSON bodies, and the audit rows a change leaves.</summary>
internal static class AdminHttp
{
    public sealed record Response(HttpStatusCode Status, JsonElement Body, string? ContentType, string? Location);

    public sealed record AuditRow(string Action, string Outcome, string? Actor, JsonElement? Data);

    public static string Unique() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A resource's path: its name as one URL-encoded segment (names of APIs are URLs).</summary>
    public static string Path(string collection, string name) => $"/admin/api/v1/{collection}/{Uri.EscapeDataString(name)}";

    public static async Task<Response> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, text);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Response(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, response.Headers.Location?.OriginalString);
    }

    /// <summary>
    /// The audit rows for a target, oldest first, read with plain SQL (what is stored, not what the model maps).
    /// </summary>
    public static async Task<List<AuditRow>> AuditAsync(AuthServerHost host, string target)
    {
        await using var db = host.Service<AuthServerDatabase>().CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM audit_events WHERE target = @target ORDER BY id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@target";
        parameter.Value = target;
        command.Parameters.Add(parameter);
        var rows = new List<AuditRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var columns = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)?.ToString());
            var data = columns.GetValueOrDefault("data") is { } json ? JsonDocument.Parse(json).RootElement.Clone() : (JsonElement?)null;
            rows.Add(new AuditRow(columns["action"]!, columns["outcome"]!, columns.GetValueOrDefault("actor"), data));
        }

        return rows;
    }

    /// <summary>Checks an audit row's before/after, and that the admin API's caller is its actor.</summary>
    public static void AssertChange(AuditRow row, Action<JsonElement> before, Action<JsonElement> after)
    {
        Assert.True(row.Data is not null, $"The audit row {row.Action} has no data.");
        var data = row.Data!.Value;
        Assert.StartsWith("client:", row.Actor, StringComparison.Ordinal);
        before(data.GetProperty("before"));
        after(data.GetProperty("after"));
    }
}
