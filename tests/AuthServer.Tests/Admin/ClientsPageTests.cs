using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>The client pages under /admin/clients, driven as a browser without script would: forms, redirects, messages.</summary>
public abstract class ClientsPageTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task List_ShowsClients_AndAnEmptyStateWhenTheSearchMatchesNothing()
    {
        using var session = await SignInAsync();
        var html = await session.GetPageAsync("/admin/clients");
        Assert.Contains($"href=\"/admin/clients/{Opaque.Id}\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"pager\"", html, StringComparison.Ordinal);

        var none = await session.GetPageAsync("/admin/clients?search=nothing-" + Guid.NewGuid().ToString("N"));
        Assert.Contains("class=\"empty\"", none, StringComparison.Ordinal);
        Assert.DoesNotContain("<table", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Confidential_ShowsTheSecretOnce_AndItGetsAToken()
    {
        using var session = await SignInAsync();
        var id = ClientsApiTests.NewId();
        using var response = await session.SubmitAsync("/admin/clients/new", MachineClient(id));
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        var secret = Infrastructure.Admin.TextOf(html, "new-secret")!;
        Assert.True(secret.Length >= 43, html);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));
        var edit = await session.GetPageAsync($"/admin/clients/{id}");
        Assert.DoesNotContain(secret, edit, StringComparison.Ordinal);
        Assert.DoesNotContain("new-secret", edit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithABadRedirectUriAndUnknownScope_ShowsEachErrorBesideItsField_AndCreatesNothing()
    {
        using var session = await SignInAsync();
        var id = ClientsApiTests.NewId();
        using var response = await session.SubmitAsync("/admin/clients/new",
            [.. MachineClient(id).Where(f => f.Item1 != "Form.AccessTokenLifetimeSeconds"), ("Form.AccessTokenLifetimeSeconds", "soon")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-for=\"AccessTokenLifetimeSeconds\">must be a whole number", html, StringComparison.Ordinal);

        // The number is fixed; now the validator's own rules speak.
        using var second = await session.SubmitAsync("/admin/clients/new",
            [.. MachineClient(id), ("Form.RedirectUris", "https://ok.example.test/cb\nhttp://evil.example.test/cb"), ("Form.AllowedScopes", "no-such-scope")]);
        html = await second.Content.ReadAsStringAsync();
        Assert.Matches("data-for=\"RedirectUris\">&#x27;http://evil.example.test/cb&#x27;: must use https", html);
        Assert.Contains("data-for=\"AllowedScopes\"", html, StringComparison.Ordinal);
        Assert.Contains("http://evil.example.test/cb</textarea>", html, StringComparison.Ordinal);
        using var missing = await session.GetAsync($"/admin/clients/{id}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Create_ExistingId_SaysSoBesideTheId()
    {
        using var session = await SignInAsync();
        using var response = await session.SubmitAsync("/admin/clients/new", MachineClient(Opaque.Id));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-for=\"ClientId\">a client with this id already exists", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_SavesEverySetting_AndRedirectsWithANotice()
    {
        using var session = await SignInAsync();
        var (id, secret) = await CreateAsync(session);
        using var save = await session.SubmitAsync($"/admin/clients/{id}",
            ("Form.Type", "confidential"), ("Form.DisplayName", "Nightly export"), ("Form.GrantTypes", "client_credentials"),
            ("Form.AllowedScopes", "orders.read"), ("Form.AllowedScopes", "inventory.read"), ("Form.DefaultScopes", "orders.read"),
            ("Form.AllowedApis", Orders), ("Form.AllowedApis", Inventory), ("Form.AccessTokenFormat", "jwt"),
            ("Form.AccessTokenLifetimeSeconds", "1200"), ("Form.CorsOrigins", "https://export.example.test"), ("Form.Claims", "email=ops@example.test"),
            ("Form.RequirePkce", "true"), ("Form.IdTokenSigningAlgorithm", "ES256"));
        Assert.True(save.StatusCode == HttpStatusCode.Found, await save.Content.ReadAsStringAsync());
        Assert.Equal($"/admin/clients/{id}", save.Headers.Location!.OriginalString);

        var html = await session.GetPageAsync($"/admin/clients/{id}");
        Assert.Contains("Changes saved.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Nightly export\"", html, StringComparison.Ordinal);
        Assert.Contains("https://export.example.test</textarea>", html, StringComparison.Ordinal);
        Assert.Contains("email=ops@example.test</textarea>", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"jwt\" selected=\"selected\">", html, StringComparison.Ordinal);

        // The change holds for the next token request: a JWT now.
        Assert.Equal(3, (await Server.IssueAsync((id, secret), ("scope", "orders.read"))).Split('.').Length);
    }

    [Fact]
    public async Task RotateSecret_AsksFirst_ThenShowsTheNewSecretOnce_AndTheOldOneStopsWorking()
    {
        using var session = await SignInAsync();
        var (id, old) = await CreateAsync(session);
        var confirm = await session.GetPageAsync($"/admin/clients/{id}/secret");
        Assert.Contains("stops working at once", confirm, StringComparison.Ordinal);
        Assert.Null(Infrastructure.Admin.TextOf(confirm, "new-secret"));

        using var rotate = await session.SubmitAsync($"/admin/clients/{id}/secret");
        var fresh = Infrastructure.Admin.TextOf(await rotate.Content.ReadAsStringAsync(), "new-secret")!;
        Assert.NotEqual(old, fresh);
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, old), HttpStatusCode.Unauthorized, "invalid_client");
        Assert.NotEmpty(await Server.IssueAsync((id, fresh), ("scope", "orders.read")));
    }

    [Fact]
    public async Task Disable_AsksFirst_ThenTheClientIsRefused_AndEnableRestoresIt()
    {
        using var session = await SignInAsync();
        var (id, secret) = await CreateAsync(session);
        Assert.Contains("cannot authenticate", await session.GetPageAsync($"/admin/clients/{id}/disable"), StringComparison.Ordinal);

        using var disable = await session.SubmitAsync($"/admin/clients/{id}/disable");
        Assert.Equal(HttpStatusCode.Found, disable.StatusCode);
        Assert.Contains("id=\"status\">disabled", await session.GetPageAsync($"/admin/clients/{id}"), StringComparison.Ordinal);
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, secret), HttpStatusCode.Unauthorized, "invalid_client");

        using var enable = await session.SubmitToAsync($"/admin/clients/{id}", $"/admin/clients/{id}?handler=enable");
        Assert.Equal(HttpStatusCode.Found, enable.StatusCode);
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));
    }

    [Fact]
    public async Task Delete_AsksFirst_ThenRemovesTheClient()
    {
        using var session = await SignInAsync();
        var (id, secret) = await CreateAsync(session);
        Assert.Contains("cannot be undone", await session.GetPageAsync($"/admin/clients/{id}/delete"), StringComparison.Ordinal);
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));

        using var delete = await session.SubmitAsync($"/admin/clients/{id}/delete");
        Assert.Equal(HttpStatusCode.Found, delete.StatusCode);
        Assert.Equal("/admin/clients", delete.Headers.Location!.OriginalString);
        Assert.Contains($"Client &#x27;{id}&#x27; deleted.", await session.GetPageAsync("/admin/clients"), StringComparison.Ordinal);
        using var gone = await session.GetAsync($"/admin/clients/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await ProtocolAssert.ErrorAsync(await TokenAsync(id, secret), HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Theory]
    [InlineData("/admin/clients/new")]
    [InlineData("/admin/clients/{0}/secret")]
    [InlineData("/admin/clients/{0}/disable")]
    [InlineData("/admin/clients/{0}/delete")]
    public async Task Post_WithoutAntiforgeryToken_Is400_AndChangesNothing(string path)
    {
        using var session = await SignInAsync();
        var (id, secret) = await CreateAsync(session);
        using var response = await session.PostAsync(string.Format(path, id), MachineClient(ClientsApiTests.NewId()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(await Server.IssueAsync((id, secret), ("scope", "orders.read")));
    }

    [Fact]
    public async Task UnknownClient_Pages_Are404()
    {
        using var session = await SignInAsync();
        foreach (var suffix in new[] { "", "/secret", "/disable", "/delete" })
        {
            using var response = await session.GetAsync($"/admin/clients/no-such-client{suffix}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task ScriptInADisplayName_IsShownAsText()
    {
        using var session = await SignInAsync();
        var id = ClientsApiTests.NewId();
        using var create = await session.SubmitAsync("/admin/clients/new",
            ("Form.ClientId", id), ("Form.Type", "public"), ("Form.DisplayName", "<script>alert(1)</script>"), ("Form.Enabled", "true"));
        Assert.Equal(HttpStatusCode.Found, create.StatusCode);

        var html = await session.GetPageAsync("/admin/clients?search=" + id);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", await session.GetPageAsync($"/admin/clients/{id}"), StringComparison.Ordinal);
    }

    private async Task<PageSession> SignInAsync() => (await Infrastructure.Admin.SignInAsync(Server)).Session;

    private static (string, string)[] MachineClient(string id) =>
    [
        ("Form.ClientId", id), ("Form.Type", "confidential"), ("Form.Enabled", "true"), ("Form.GrantTypes", "client_credentials"),
        ("Form.AllowedScopes", "orders.read"), ("Form.DefaultScopes", "orders.read"), ("Form.AllowedApis", Orders),
        ("Form.AccessTokenFormat", "opaque"), ("Form.AccessTokenLifetimeSeconds", "600"), ("Form.RequirePkce", "true"),
    ];

    private static async Task<(string Id, string Secret)> CreateAsync(PageSession session)
    {
        var id = ClientsApiTests.NewId();
        using var response = await session.SubmitAsync("/admin/clients/new", MachineClient(id));
        var html = await response.Content.ReadAsStringAsync();
        return (id, Infrastructure.Admin.TextOf(html, "new-secret") ?? throw new InvalidOperationException(html));
    }

    private Task<HttpResponseMessage> TokenAsync(string id, string secret) =>
        Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "orders.read")], (id, secret));
}

public sealed class SqliteClientsPageTests(SqliteServerFixture fixture) : ClientsPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresClientsPageTests(PostgresServerFixture fixture) : ClientsPageTests(fixture), IClassFixture<PostgresServerFixture>;
