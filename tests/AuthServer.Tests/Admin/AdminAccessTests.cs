using System.Net;
using System.Text.Json;
using AuthServer.Data.Entities;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>Who gets into /admin and /admin/api/v1, and who does not.</summary>
public abstract class AdminAccessTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task AdminWithMfa_SeesTheOverview()
    {
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin");
            Assert.Contains("Overview", html, StringComparison.Ordinal);
            Assert.Contains(name, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NotSignedIn_IsSentToSignIn()
    {
        using var session = new PageSession(Server);
        using var response = await session.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/account/login?returnUrl=%2Fadmin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedInWithoutAdminRole_Gets403()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server, mfa: true, roles: []);
        using (session)
        {
            using var response = await session.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("second factor", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AdminWithoutMfa_Gets403()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server, mfa: false);
        using (session)
        {
            using var response = await session.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task AdminRemovedFromRole_LosesAccessAtOnce()
    {
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            await session.GetPageAsync("/admin");
            await using (var scope = Server.App.Services.CreateAsyncScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
                var user = (await users.FindByNameAsync(name))!;
                Assert.True((await users.RemoveFromRoleAsync(user, "admin")).Succeeded);
            }

            using var response = await session.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task Api_WithAdminToken_Answers()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var response = await api.GetAsync("/admin/api/v1/me");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("client:" + Infrastructure.Admin.Automation.Id, JsonDocument.Parse(body).RootElement.GetProperty("actor").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Api_WithoutToken_Is401WithProblemDetails()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_WithATokenForAnotherApi_Is401()
    {
        // A valid JWT from this server, but for the orders API: wrong audience.
        var token = await Server.IssueAsync(Jwt, ("scope", "orders.read"));
        using var api = Infrastructure.Admin.BearerClient(Server, token);
        using var response = await api.GetAsync("/admin/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithAForgedToken_Is401()
    {
        using var api = Infrastructure.Admin.BearerClient(Server, "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.");
        using var response = await api.GetAsync("/admin/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithASessionCookieButNoToken_Is401()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.GetAsync("/admin/api/v1/me");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    /// <summary>A token for the admin API that a person got through a client (authorization code flow).</summary>
    private async Task<string> PersonalAdminTokenAsync(PageSession browser)
    {
        await Server.ImportAsync($$"""
            {"clients":[{"clientId":"admin-console","secret":{"value":"{{Web.Secret}}"},"grantTypes":["authorization_code"],
              "redirectUris":["{{WebCallback}}"],"allowedScopes":["openid","authserver.admin"],"allowedApis":["authserver-admin"],
              "accessTokenFormat":"jwt"}]}
            """);
        var url = CodeFlow.AuthorizeUrl("admin-console", extra: ("scope", "openid authserver.admin"));
        var code = (await CodeFlow.RedirectParametersAsync(browser, url))["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code, ("admin-console", Web.Secret));
        return (await ProtocolAssert.OkJsonAsync(response)).GetProperty("access_token").GetString()!;
    }

    [Fact]
    public async Task Api_WithAPersonsToken_NeedsTheAdminRole_ReadAtEachRequest()
    {
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var api = Infrastructure.Admin.BearerClient(Server, await PersonalAdminTokenAsync(session));
            using (var allowed = await api.GetAsync("/admin/api/v1/me"))
            {
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
                var user = await Server.FindUserAsync(name);
                Assert.Equal("user:" + user.Id, JsonDocument.Parse(await allowed.Content.ReadAsStringAsync()).RootElement.GetProperty("actor").GetString());
            }

            await using (var scope = Server.App.Services.CreateAsyncScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
                Assert.True((await users.RemoveFromRoleAsync((await users.FindByNameAsync(name))!, "admin")).Succeeded);
            }

            // The same, still valid token: the person is no longer an admin.
            using var refused = await api.GetAsync("/admin/api/v1/me");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }

    [Fact]
    public async Task Api_WithANonAdminPersonsToken_Is403()
    {
        using var browser = await CodeFlow.SignedInAsync(Server, "plain");
        using var api = Infrastructure.Admin.BearerClient(Server, await PersonalAdminTokenAsync(browser));
        using var response = await api.GetAsync("/admin/api/v1/me");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/openapi.json");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/admin/api/v1/me", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/connect", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/admin/api/v2/openapi.json")]
    [InlineData("/admin/api/..%2Fx/openapi.json")]
    public async Task OpenApiDocument_ThatDoesNotExist_Is404ProblemDetails_WithoutEchoingTheName(string path)
    {
        // Found by the fuzzer: the OpenAPI package answered text/plain, echoing the requested name.
        using var response = await Server.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("x/openapi", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class SqliteAdminAccessTests(SqliteServerFixture fixture) : AdminAccessTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAdminAccessTests(PostgresServerFixture fixture) : AdminAccessTests(fixture), IClassFixture<PostgresServerFixture>;
