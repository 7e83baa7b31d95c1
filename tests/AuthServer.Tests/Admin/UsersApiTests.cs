using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>/admin/api/v1/users over HTTP: every operation, and what it refuses.</summary>
public abstract class UsersApiTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private static string NewName(string prefix = "u") => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A 400 validation problem; returns its errors.</summary>
    private static async Task<JsonElement> InvalidAsync(HttpResponseMessage response)
    {
        var problem = await OkAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return problem.GetProperty("errors");
    }

    private async Task<string> CreateAsync(HttpClient api, string? name = null)
    {
        name ??= NewName();
        using var response = await api.PostAsync("/admin/api/v1/users", Json($$"""{"userName":"{{name}}","email":"{{name}}@example.com","password":"{{CodeFlow.Password}}"}"""));
        await OkAsync(response, HttpStatusCode.Created);
        return name;
    }

    private async Task<bool> PasswordSignInWorksAsync(string name)
    {
        using var browser = new PageSession(Server);
        using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", CodeFlow.Password), ("ReturnUrl", "/"));
        return response.StatusCode == HttpStatusCode.Found;
    }

    [Fact]
    public async Task Create_Then_ListAndGet_ShowTheUser_AndTheAuditHasNoPassword()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = NewName("create");

        using var created = await api.PostAsync("/admin/api/v1/users", Json($$"""{"userName":"{{name}}","email":"{{name}}@example.com","password":"{{CodeFlow.Password}}"}"""));
        var user = await OkAsync(created, HttpStatusCode.Created);
        Assert.Equal($"/admin/api/v1/users/{name}", created.Headers.Location!.OriginalString);
        Assert.Equal(name, user.GetProperty("userName").GetString());
        Assert.False(user.GetProperty("lockedOut").GetBoolean());
        Assert.False(user.GetProperty("mfaEnabled").GetBoolean());

        var list = await OkAsync(await api.GetAsync($"/admin/api/v1/users?search={name[7..].ToUpperInvariant()}&pageSize=10"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(name, list.GetProperty("items")[0].GetProperty("userName").GetString());
        var byEmail = await OkAsync(await api.GetAsync($"/admin/api/v1/users?search={name}@example"));
        Assert.Equal(1, byEmail.GetProperty("total").GetInt64());

        var got = await OkAsync(await api.GetAsync($"/admin/api/v1/users/{name}"));
        Assert.Equal($"{name}@example.com", got.GetProperty("email").GetString());
        Assert.DoesNotContain("passwordHash", got.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("securityStamp", got.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.True(await PasswordSignInWorksAsync(name));

        var audit = await AdminAudit.RowsAsync(Server, "admin.user.created");
        var row = Assert.Single(audit, r => r.Contains($"user:{name}", StringComparison.Ordinal));
        Assert.DoesNotContain(CodeFlow.Password, row, StringComparison.Ordinal);
        Assert.DoesNotContain("AQAAAA", row, StringComparison.Ordinal); // Identity's password hash prefix
    }

    [Fact]
    public async Task Create_WithAWeakPassword_Is400WithThePasswordPath_AndNothingIsMade()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = NewName("weak");

        using var response = await api.PostAsync("/admin/api/v1/users", Json($$"""{"userName":"{{name}}","password":"short"}"""));

        var errors = await InvalidAsync(response);
        Assert.True(errors.TryGetProperty("password", out _), errors.GetRawText());
        using var get = await api.GetAsync($"/admin/api/v1/users/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Create_WithBadNameEmailAndDuplicate_AreEachBesideTheirField()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var existing = await CreateAsync(api);

        var bad = await InvalidAsync(await api.PostAsync("/admin/api/v1/users", Json("""{"userName":"","email":"not-an-email","password":""}""")));
        var duplicate = await InvalidAsync(await api.PostAsync("/admin/api/v1/users", Json($$"""{"userName":"{{existing}}","password":"{{CodeFlow.Password}}"}""")));

        Assert.True(bad.TryGetProperty("userName", out _) && bad.TryGetProperty("email", out _) && bad.TryGetProperty("password", out _), bad.GetRawText());
        Assert.True(duplicate.TryGetProperty("userName", out _), duplicate.GetRawText());
    }

    [Theory]
    [InlineData("""{"userName":"x-mass","password":"correct horse battery staple","id":"1"}""", "id")]
    [InlineData("""{"userName":"x-mass","password":"correct horse battery staple","passwordHash":"AQ"}""", "passwordHash")]
    [InlineData("""{"userName":"x-mass","password":"correct horse battery staple","lockoutEnd":"2020-01-01T00:00:00Z"}""", "lockoutEnd")]
    public async Task Create_WithAMemberThatMayNotBeWritten_Is400(string body, string member)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        var errors = await InvalidAsync(await api.PostAsync("/admin/api/v1/users", Json(body)));

        Assert.Contains(member, errors.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownUser_Is404_ForEveryOperation()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var path = "/admin/api/v1/users/" + NewName("nobody");

        HttpResponseMessage[] responses =
        [
            await api.GetAsync(path),
            await api.PostAsync(path + "/lock", null),
            await api.PostAsync(path + "/unlock", null),
            await api.PostAsync(path + "/reset-mfa", null),
            await api.PutAsync(path + "/roles", Json("""{"roles":[]}""")),
            await api.PutAsync(path + "/claims", Json("""{"claims":{}}""")),
        ];

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            response.Dispose();
        }
    }

    [Fact]
    public async Task Lock_MakesSignInFail_RenewsTheStamp_AndUnlock_LetsTheUserBackIn()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = await CreateAsync(api);
        var stamp = (await Server.FindUserAsync(name)).SecurityStamp;

        var locked = await OkAsync(await api.PostAsync($"/admin/api/v1/users/{name}/lock", null));

        Assert.True(locked.GetProperty("lockedOut").GetBoolean());
        Assert.NotEqual(stamp, (await Server.FindUserAsync(name)).SecurityStamp);
        Assert.False(await PasswordSignInWorksAsync(name));
        var listed = await OkAsync(await api.GetAsync($"/admin/api/v1/users?search={name}"));
        Assert.True(listed.GetProperty("items")[0].GetProperty("lockedOut").GetBoolean());

        var unlocked = await OkAsync(await api.PostAsync($"/admin/api/v1/users/{name}/unlock", null));
        Assert.False(unlocked.GetProperty("lockedOut").GetBoolean());
        Assert.True(await PasswordSignInWorksAsync(name));
        var actions = await AdminAudit.RowsAsync(Server, "admin.user.");
        Assert.Contains(actions, r => r.Contains("admin.user.locked", StringComparison.Ordinal) && r.Contains($"user:{name}", StringComparison.Ordinal));
        Assert.Contains(actions, r => r.Contains("admin.user.unlocked", StringComparison.Ordinal) && r.Contains($"user:{name}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LockUntil_EndsAtThatTime_AndATimeInThePast_Is400()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = await CreateAsync(api);
        var now = Server.Time.GetUtcNow();

        var past = await InvalidAsync(await api.PostAsync($"/admin/api/v1/users/{name}/lock", Json($$"""{"until":"{{now.AddMinutes(-1):O}}"}""")));
        Assert.True(past.TryGetProperty("until", out _), past.GetRawText());

        var locked = await OkAsync(await api.PostAsync($"/admin/api/v1/users/{name}/lock", Json($$"""{"until":"{{now.AddHours(1):O}}"}""")));
        Assert.True(locked.GetProperty("lockedOut").GetBoolean());
        Assert.False(await PasswordSignInWorksAsync(name));
    }

    [Fact]
    public async Task ResetMfa_TheNextSignInSkipsTheCodeStep()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server, mfa: true, roles: []);
        session.Dispose();
        Assert.True((await OkAsync(await api.GetAsync($"/admin/api/v1/users/{name}"))).GetProperty("mfaEnabled").GetBoolean());

        var reset = await OkAsync(await api.PostAsync($"/admin/api/v1/users/{name}/reset-mfa", null));

        Assert.False(reset.GetProperty("mfaEnabled").GetBoolean());
        using var browser = new PageSession(Server);
        using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", Infrastructure.Admin.Password), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var stored = await Server.FindUserAsync(name);
        Assert.False(stored.TwoFactorEnabled);
    }

    [Fact]
    public async Task Roles_AreSetFromExistingRoles_AdminIsAllowed_AndAnUnknownRole_Is400()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = await CreateAsync(api);
        var stamp = (await Server.FindUserAsync(name)).SecurityStamp;

        var set = await OkAsync(await api.PutAsync($"/admin/api/v1/users/{name}/roles", Json("""{"roles":["admin"]}""")));
        Assert.Equal(new[] { "admin" }, set.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.NotEqual(stamp, (await Server.FindUserAsync(name)).SecurityStamp);

        var unknown = await InvalidAsync(await api.PutAsync($"/admin/api/v1/users/{name}/roles", Json("""{"roles":["admin","no-such-role"]}""")));
        Assert.True(unknown.TryGetProperty("roles[1]", out _), unknown.GetRawText());
        var missing = await InvalidAsync(await api.PutAsync($"/admin/api/v1/users/{name}/roles", Json("{}")));
        Assert.True(missing.TryGetProperty("roles", out _), missing.GetRawText());

        var cleared = await OkAsync(await api.PutAsync($"/admin/api/v1/users/{name}/roles", Json("""{"roles":[]}""")));
        Assert.Equal(0, cleared.GetProperty("roles").GetArrayLength());
    }

    [Fact]
    public async Task Claims_OfDefinedTypes_AreStoredAndReleased_AndUnknownOrMistypedValues_Are400()
    {
        await Server.ImportAsync("""
            {"claimTypes":[{"name":"department","valueType":"string"},{"name":"clearance","valueType":"integer"}]}
            """);
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = await CreateAsync(api);

        var set = await OkAsync(await api.PutAsync($"/admin/api/v1/users/{name}/claims",
            Json("""{"claims":{"department":["sales","support"],"clearance":3,"given_name":"Ada"}}""")));
        var claims = set.GetProperty("claims");
        Assert.Equal(new[] { "sales", "support" }, claims.GetProperty("department").EnumerateArray().Select(v => v.GetString()!).ToArray());
        Assert.Equal("3", claims.GetProperty("clearance")[0].GetString());

        var unknown = await InvalidAsync(await api.PutAsync($"/admin/api/v1/users/{name}/claims", Json("""{"claims":{"shoe_size":"44"}}""")));
        Assert.True(unknown.TryGetProperty("claims.shoe_size", out _), unknown.GetRawText());
        var mistyped = await InvalidAsync(await api.PutAsync($"/admin/api/v1/users/{name}/claims", Json("""{"claims":{"clearance":"high"}}""")));
        Assert.True(mistyped.TryGetProperty("claims.clearance", out _), mistyped.GetRawText());
        var reserved = await InvalidAsync(await api.PutAsync($"/admin/api/v1/users/{name}/claims", Json("""{"claims":{"sub":"someone-else"}}""")));
        Assert.True(reserved.TryGetProperty("claims.sub", out _), reserved.GetRawText());

        // Nothing of the refused requests was written.
        var got = await OkAsync(await api.GetAsync($"/admin/api/v1/users/{name}"));
        Assert.Equal(3, got.GetProperty("claims").EnumerateObject().Count());
        var audit = await AdminAudit.RowsAsync(Server, "admin.user.claims_changed");
        Assert.Single(audit, r => r.Contains($"user:{name}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lock_WithABodyThatIsNotJson_Is400Or415_NotA500()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = await CreateAsync(api);

        using var garbled = await api.PostAsync($"/admin/api/v1/users/{name}/lock", Json("{\"until\":"));
        using var wrongType = await api.PostAsync($"/admin/api/v1/users/{name}/lock", new StringContent("until=1", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.False((await Server.FindUserAsync(name)).LockoutEnd.HasValue);
    }

    [Fact]
    public async Task OpenApi_DescribesTheUsersEndpoints()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/openapi.json");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/admin/api/v1/users", paths);
        Assert.Contains("/admin/api/v1/users/{userName}/roles", paths);
        Assert.Contains("/admin/api/v1/tokens/{reference}/revoke", paths);
        Assert.Contains("/admin/api/v1/grants/{userName}/{clientId}", paths);
    }
}

public sealed class SqliteUsersApiTests(SqliteServerFixture fixture) : UsersApiTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresUsersApiTests(PostgresServerFixture fixture) : UsersApiTests(fixture), IClassFixture<PostgresServerFixture>;

/// <summary>The audit log's rows as raw text (every column), to check what they say and what they never hold.</summary>
public static class AdminAudit
{
    public static async Task<List<string>> RowsAsync(AuthServerHost server, string actionPrefix)
    {
        await using var connection = await server.Service<AuthServerDatabase>().OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM audit_events WHERE action LIKE @prefix ORDER BY id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@prefix";
        parameter.Value = actionPrefix + "%";
        command.Parameters.Add(parameter);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }

            rows.Add(row.ToString());
        }

        return rows;
    }
}
