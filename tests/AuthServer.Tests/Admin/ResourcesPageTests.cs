using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>
/// /admin/resources and /admin/claims without a browser: create, edit and delete through the forms (with antiforgery),
/// errors beside the field, refusals as 409 with what still uses the resource, and a notice after each change.
/// </summary>
public abstract class ResourcesPageTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Index_ListsApisAndScopes_WithTheBuiltInAdminApiMarked()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin/resources");
            Assert.Contains(TestClients.Orders, html, StringComparison.Ordinal);
            Assert.Contains("orders.read", html, StringComparison.Ordinal);
            Assert.Contains(Infrastructure.Admin.ApiName, html, StringComparison.Ordinal);
            Assert.Contains("built in", html, StringComparison.Ordinal);
            Assert.DoesNotContain($"delete?kind=api&amp;name={Infrastructure.Admin.ApiName}", html, StringComparison.Ordinal);

            var none = await session.GetPageAsync("/admin/resources?q=nothing-matches-this");
            Assert.Contains("No API matches the search.", none, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Api_CreateEditDelete_ThroughTheForms()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = $"https://api.example.test/page-{AdminHttp.Unique()}";
            using var created = await session.SubmitAsync("/admin/resources/apis/edit",
                ("Name", name), ("DisplayName", "Page API"), ("Scopes", "orders.read"), ("SigningAlgorithm", "RS256"), ("Enabled", "true"));
            Assert.Equal(HttpStatusCode.Found, created.StatusCode);
            Assert.Equal("/admin/resources", created.Headers.Location!.OriginalString);
            var index = await session.GetPageAsync("/admin/resources");
            Assert.Contains($"Created the API &#x27;{name}&#x27;.", index, StringComparison.Ordinal);

            var edit = $"/admin/resources/apis/edit?api={Uri.EscapeDataString(name)}";
            var form = await session.GetPageAsync(edit);
            Assert.Contains("value=\"RS256\" selected", form, StringComparison.Ordinal);
            using var saved = await session.SubmitAsync(edit, ("DisplayName", "Renamed display"), ("SigningAlgorithm", "ES256"));
            Assert.Equal(HttpStatusCode.Found, saved.StatusCode);
            Assert.Contains("Renamed display", await session.GetPageAsync("/admin/resources"), StringComparison.Ordinal);

            var delete = $"/admin/resources/delete?kind=api&name={Uri.EscapeDataString(name)}";
            Assert.Contains("This cannot be undone", await session.GetPageAsync(delete), StringComparison.Ordinal);
            using var deleted = await session.SubmitAsync(delete);
            Assert.Equal(HttpStatusCode.Found, deleted.StatusCode);
            var after = await session.GetPageAsync("/admin/resources?q=page-");
            Assert.Contains($"Deleted the API &#x27;{name}&#x27;.", after, StringComparison.Ordinal);
            Assert.DoesNotContain($"<td class=\"mono\">{name}</td>", after, StringComparison.Ordinal);

            var audit = await AdminHttp.AuditAsync(Server, $"api:{name}");
            Assert.Equal(["admin.api.created", "admin.api.updated", "admin.api.deleted"], audit.Select(a => a.Action));
        }
    }

    [Fact]
    public async Task Api_InvalidFields_AreShownBesideTheField()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.SubmitAsync("/admin/resources/apis/edit", ("Name", "not a uri"), ("SigningAlgorithm", "HS256"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<span class=\"field-error\">must be an absolute URI", html, StringComparison.Ordinal);
            Assert.Contains("<span class=\"field-error\">must be ES256 or RS256</span>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeletingAnApiInUse_Is409NamingTheClients()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.SubmitAsync($"/admin/resources/delete?kind=api&name={Uri.EscapeDataString(TestClients.Orders)}");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains($"&#x27;{TestClients.Opaque.Id}&#x27;", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BuiltInAdminApi_DeletePageRefuses()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var path = $"/admin/resources/delete?kind=api&name={Infrastructure.Admin.ApiName}";
            using var page = await session.GetAsync(path);
            Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
            Assert.Contains("cannot be deleted", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Posting anyway (with a token from another page) is refused by the same rule.
            var token = PageSession.AntiforgeryToken(await session.GetPageAsync("/admin/resources/apis/edit"));
            using var post = await session.PostAsync(path, [("__RequestVerificationToken", token)]);
            Assert.Equal(HttpStatusCode.Conflict, post.StatusCode);
        }
    }

    [Fact]
    public async Task Scope_CreateWithReleasedClaims_ThenEdit_ThenDelete()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = $"page{AdminHttp.Unique()}.read";
            var form = await session.GetPageAsync("/admin/resources/scopes/edit");
            Assert.Contains("value=\"email\"", form, StringComparison.Ordinal);
            using var created = await session.SubmitAsync("/admin/resources/scopes/edit",
                ("Name", name), ("Description", "Page scope"), ("Claims", "name"), ("Claims", "locale"));
            Assert.Equal(HttpStatusCode.Found, created.StatusCode);

            var edit = $"/admin/resources/scopes/edit?scope={Uri.EscapeDataString(name)}";
            var editing = await session.GetPageAsync(edit);
            Assert.Contains("value=\"locale\" checked", editing, StringComparison.Ordinal);
            using var saved = await session.SubmitAsync(edit, ("Description", "Page scope v2"), ("Claims", "email"));
            Assert.Equal(HttpStatusCode.Found, saved.StatusCode);
            Assert.Contains("value=\"email\" checked", await session.GetPageAsync(edit), StringComparison.Ordinal);

            using var deleted = await session.SubmitAsync($"/admin/resources/delete?kind=scope&name={Uri.EscapeDataString(name)}");
            Assert.Equal(HttpStatusCode.Found, deleted.StatusCode);
            using var gone = await session.GetAsync(edit);
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }

    [Fact]
    public async Task Scope_UnknownClaimType_IsShownBesideTheClaims()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.SubmitAsync("/admin/resources/scopes/edit", ("Name", $"x{AdminHttp.Unique()}"), ("Claims", "no_such_claim"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("<span class=\"field-error\">names no defined claim type", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ClaimType_CreateEditDelete_AndBuiltInOnesAreMarkedAndLocked()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var list = await session.GetPageAsync("/admin/claims?q=email");
            Assert.Contains("<span class=\"badge\">built in</span>", list, StringComparison.Ordinal);
            using (var builtIn = await session.GetAsync("/admin/claims/edit?type=email"))
            {
                Assert.Equal(HttpStatusCode.Conflict, builtIn.StatusCode);
            }

            var name = $"cost_center_{AdminHttp.Unique()}";
            using var created = await session.SubmitAsync("/admin/claims/edit", ("Name", name), ("Description", "Cost center"), ("ValueType", "integer"));
            Assert.Equal(HttpStatusCode.Found, created.StatusCode);
            Assert.Contains($"Defined the claim type &#x27;{name}&#x27;.", await session.GetPageAsync("/admin/claims"), StringComparison.Ordinal);

            var edit = $"/admin/claims/edit?type={name}";
            Assert.Contains("value=\"integer\" selected", await session.GetPageAsync(edit), StringComparison.Ordinal);
            using var saved = await session.SubmitAsync(edit, ("Description", "Cost centre"), ("ValueType", "string"), ("Sensitive", "true"));
            Assert.Equal(HttpStatusCode.Found, saved.StatusCode);
            Assert.Contains("id=\"sensitive\" name=\"Sensitive\" value=\"true\" checked", await session.GetPageAsync(edit), StringComparison.Ordinal);

            using var deleted = await session.SubmitAsync($"/admin/claims/delete?type={name}");
            Assert.Equal(HttpStatusCode.Found, deleted.StatusCode);
            Assert.Equal(["admin.claim_type.created", "admin.claim_type.updated", "admin.claim_type.deleted"],
                (await AdminHttp.AuditAsync(Server, $"claim_type:{name}")).Select(a => a.Action));
        }
    }

    [Fact]
    public async Task ClaimType_ReservedName_IsShownBesideTheField()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.SubmitAsync("/admin/claims/edit", ("Name", "iss"), ("ValueType", "string"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("asserted by the server itself", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_IsRejected_AndChangesNothing()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = $"forged_{AdminHttp.Unique()}";
            using var response = await session.PostAsync("/admin/claims/edit", [("Name", name), ("ValueType", "string")]);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var missing = await session.GetAsync($"/admin/claims/edit?type={name}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }
}

public sealed class SqliteResourcesPageTests(SqliteServerFixture fixture) : ResourcesPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresResourcesPageTests(PostgresServerFixture fixture) : ResourcesPageTests(fixture), IClassFixture<PostgresServerFixture>;
