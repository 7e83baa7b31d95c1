using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>/admin/api/v1/claim-types over HTTP: the store's claim types, and the built-in OpenID Connect ones.</summary>
public abstract class ClaimTypesApiTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task ClaimType_CreateGetUpdateListDelete_EachAudited()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var name = $"team_{AdminHttp.Unique()}";
        var created = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", $$"""{"name":"{{name}}","description":"Team"}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(AdminHttp.Path("claim-types", name), created.Location);
        Assert.Equal("string", created.Body.GetProperty("valueType").GetString());
        Assert.False(created.Body.GetProperty("sensitive").GetBoolean());

        var updated = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("claim-types", name),
            """{"description":"Team number","valueType":"integer","sensitive":true}""");
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        var got = await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("claim-types", name));
        Assert.Equal("integer", got.Body.GetProperty("valueType").GetString());
        Assert.True(got.Body.GetProperty("sensitive").GetBoolean());

        var list = await AdminHttp.SendAsync(api, HttpMethod.Get, $"/admin/api/v1/claim-types?search={name}");
        Assert.Equal(1, list.Body.GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("claim-types", name))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("claim-types", name))).Status);
        var audit = await AdminHttp.AuditAsync(Server, $"claim_type:{name}");
        Assert.Equal(["admin.claim_type.created", "admin.claim_type.updated", "admin.claim_type.deleted"], audit.Select(a => a.Action));
        AdminHttp.AssertChange(audit[1], before => Assert.Equal("string", before.GetProperty("valueType").GetString()),
            after => Assert.Equal("integer", after.GetProperty("valueType").GetString()));
    }

    [Fact]
    public async Task StandardClaims_AreListedAsBuiltIn_AndNotEditable()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var list = await AdminHttp.SendAsync(api, HttpMethod.Get, "/admin/api/v1/claim-types?search=email");
        var email = list.Body.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "email");
        Assert.True(email.GetProperty("builtIn").GetBoolean());

        var put = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("claim-types", "email"), """{"valueType":"integer"}""");
        Assert.Equal(HttpStatusCode.Conflict, put.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("claim-types", "email"))).Status);
        var create = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", """{"name":"email"}""");
        Assert.Equal(HttpStatusCode.BadRequest, create.Status);
        Assert.Contains("built-in", create.Body.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"sub"}""", "name")]
    [InlineData("""{"name":"aud"}""", "name")]
    [InlineData("""{"name":"has space"}""", "name")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"ok_name","valueType":"date"}""", "valueType")]
    [InlineData("""{"name":"ok_name","id":1}""", "$.id")]
    public async Task ClaimType_BadCreate_Is400NamingTheField(string body, string field)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty(field, out _), response.Body.ToString());
    }

    [Fact]
    public async Task ClaimType_ReleasedByAScopeOrHeld_DeleteIs409NamingThem()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = AdminHttp.Unique();
        var (released, held, byUser) = ($"rel_{id}", $"held_{id}", $"user_{id}");
        foreach (var t in new[] { released, held, byUser })
        {
            Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", $$"""{"name":"{{t}}"}""")).Status);
        }

        Assert.Equal(HttpStatusCode.Created, (await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/scopes",
            $$"""{"name":"scope.{{id}}","claims":["{{released}}"]}""")).Status);
        var userName = $"holder-{id}";
        await Server.CreateUserAsync(userName, Infrastructure.Admin.Password);
        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"holder-{{id}}","secret":{"generate":true},"claims":{"{{held}}":"x"} }],
             "userClaims":[{"userName":"{{userName}}","claims":{"{{byUser}}":"y"} }]}
            """);

        var scope = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("claim-types", released));
        Assert.Equal(HttpStatusCode.Conflict, scope.Status);
        Assert.Contains($"'scope.{id}'", scope.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var client = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("claim-types", held));
        Assert.Equal(HttpStatusCode.Conflict, client.Status);
        Assert.Contains($"'holder-{id}'", client.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var user = await AdminHttp.SendAsync(api, HttpMethod.Delete, AdminHttp.Path("claim-types", byUser));
        Assert.Equal(HttpStatusCode.Conflict, user.Status);
        Assert.Contains($"'{userName}'", user.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await AdminHttp.AuditAsync(Server, $"claim_type:{released}"), a => a.Action == "admin.claim_type.deleted");
    }

    [Fact]
    public async Task ClaimType_ValueTypeThatHeldValuesDoNotFit_Is400()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = AdminHttp.Unique();
        var name = $"level_{id}";
        await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", $$"""{"name":"{{name}}"}""");
        await Server.ImportAsync($$"""{"clients":[{"clientId":"lvl-{{id}}","secret":{"generate":true},"claims":{"{{name}}":"high"} }]}""");

        var response = await AdminHttp.SendAsync(api, HttpMethod.Put, AdminHttp.Path("claim-types", name), """{"valueType":"integer"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty("valueType", out _));
        Assert.Equal("string", (await AdminHttp.SendAsync(api, HttpMethod.Get, AdminHttp.Path("claim-types", name))).Body.GetProperty("valueType").GetString());
    }

    [Fact]
    public async Task UnknownClaimType_Is404()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var path = AdminHttp.Path("claim-types", "no_such_type");
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Get, path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Put, path, "{}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminHttp.SendAsync(api, HttpMethod.Delete, path)).Status);
    }

    [Fact]
    public async Task Create_WithABodyOverTheLimit_Is413ProblemDetails_NotA500()
    {
        // Found by the fuzzer: Kestrel's BadHttpRequestException (body too large) escaped as an unhandled 500.
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var json = "{\"name\":\"" + new string('a', 100_000) + "\"}";

        using var response = await api.PostAsync("/admin/api/v1/claim-types", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_WithABrokenChunkedBody_Is400ProblemDetails_NotA500()
    {
        // Found by the fuzzer: Kestrel's BadHttpRequestException while the body was read escaped as an unhandled 500.
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var message = System.Text.Encoding.ASCII.GetBytes(
            $"POST /admin/api/v1/claim-types HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {api.DefaultRequestHeaders.Authorization}\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{\"name\":\"x\"}\r\n0\r\n\r\n");

        var response = await Fuzzing.RawHttp.SendAsync(Server.Port, message, halfClose: false, TimeSpan.FromSeconds(15));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
    }

    [Theory]
    [InlineData("/admin/api/v1/claim-types?search=%00")]
    [InlineData("/admin/api/v1/users?search=a%00b")]
    public async Task List_WithANulInTheQuery_Is400ProblemDetails(string path)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(new byte[] { 0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d })] // {"name":"<lone surrogate>"}
    [InlineData(new byte[] { 0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d })]             // {"name":"<0xFF>"}
    public async Task Create_WithABodyThatIsNotUtf8_Is400ProblemDetails_NotA500(byte[] body)
    {
        // Found by the fuzzer (PUT users/{name}/claims): the invalid bytes surfaced only when a value was read, as a 500.
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await api.PostAsync("/admin/api/v1/claim-types", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_WithANulInAName_Is400ProblemDetails()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        var response = await AdminHttp.SendAsync(api, HttpMethod.Post, "/admin/api/v1/claim-types", """{"name":"a\u0000b"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }
}

public sealed class SqliteClaimTypesApiTests(SqliteServerFixture fixture) : ClaimTypesApiTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresClaimTypesApiTests(PostgresServerFixture fixture) : ClaimTypesApiTests(fixture), IClassFixture<PostgresServerFixture>;
