using System.Net;
using System.Text.Json;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Tokens;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>Tokens and grants through the admin API and pages: find, revoke one, revoke a family, revoke a grant.</summary>
public abstract class TokensAdminTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<bool> ActiveAsync(string token) => (await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean();

    /// <summary>An opaque access token of the opaque client, and its jti (what admins call it), from introspection.</summary>
    private async Task<(string Token, string Reference)> IssueOpaqueAsync()
    {
        var token = await Server.IssueAsync(Opaque, ("scope", "orders.read"));
        return (token, (await Server.IntrospectAsync(token, Gateway)).GetProperty("jti").GetString()!);
    }

    /// <summary>Neither the token nor the hash it is stored under appears in <paramref name="text"/>.</summary>
    private static void NoTokenIn(string text, params string[] tokens)
    {
        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(OpaqueHandle.Hash(token), text, StringComparison.Ordinal);
            Assert.DoesNotContain(OpaqueHandle.Hash(token)[12..], text, StringComparison.Ordinal);
        }
    }

    /// <summary>A new user's code flow with the web client: access and refresh token, the user's name and id.</summary>
    private async Task<(string Access, string Refresh, string UserName, string UserId)> CodeFlowAsync()
    {
        var name = "grant-" + Guid.NewGuid().ToString("N")[..8];
        var user = await Server.CreateUserAsync(name, CodeFlow.Password);
        using var browser = await CodeFlow.SignedInAsAsync(Server, name);
        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(extra: ("scope", "openid offline_access orders.read"))))["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code);
        var tokens = await ProtocolAssert.OkJsonAsync(response);
        return (tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("refresh_token").GetString()!, name, user.Id);
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        Server.PostFormAsync("/connect/token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], Web);

    [Fact]
    public async Task Api_FindsATokenByClient_AndRevokingIt_MakesIntrospectionSayInactive()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var (token, reference) = await IssueOpaqueAsync();

        using var listed = await api.GetAsync($"/admin/api/v1/tokens?clientId={Opaque.Id}&pageSize=200");
        var listBody = await listed.Content.ReadAsStringAsync();
        var item = (await OkAsync(listed)).GetProperty("items").EnumerateArray().Single(t => t.GetProperty("reference").GetString() == reference);
        Assert.Equal("active", item.GetProperty("status").GetString());
        Assert.Equal("opaque", item.GetProperty("format").GetString());
        NoTokenIn(listBody, token);

        using var revoked = await api.PostAsync($"/admin/api/v1/tokens/{reference}/revoke", null);
        var revokedBody = await revoked.Content.ReadAsStringAsync();
        Assert.Equal("revoked", (await OkAsync(revoked)).GetProperty("status").GetString());
        NoTokenIn(revokedBody, token);
        Assert.False(await ActiveAsync(token));

        using var again = await api.PostAsync($"/admin/api/v1/tokens/{reference}/revoke", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var audit = await AdminAudit.RowsAsync(Server, "admin.token.revoked");
        var row = Assert.Single(audit, r => r.Contains($"token:{reference}", StringComparison.Ordinal));
        NoTokenIn(row, token);
    }

    [Fact]
    public async Task Api_FindsTokensBySubjectName_NewestFirst()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var first = await CodeFlowAsync();
        Server.Time.Advance(TimeSpan.FromSeconds(2));
        using (var refreshed = await RefreshAsync(first.Refresh))
        {
            await ProtocolAssert.OkJsonAsync(refreshed);
        }

        var list = await OkAsync(await api.GetAsync($"/admin/api/v1/tokens?subject={first.UserName}"));
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, list.GetProperty("total").GetInt64()); // access + refresh, then their successors
        Assert.All(items, t => Assert.Equal(first.UserName, t.GetProperty("userName").GetString()));
        var issued = items.Select(t => t.GetProperty("issuedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(issued.OrderByDescending(t => t), issued);
        Assert.Contains(items, t => t.GetProperty("status").GetString() == "used");
        var byId = await OkAsync(await api.GetAsync($"/admin/api/v1/tokens?subject={first.UserId}&clientId={Web.Id}"));
        Assert.Equal(4, byId.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Api_RevokingAFamily_MakesItsRefreshTokenFail_AndItsAccessTokenInactive()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var flow = await CodeFlowAsync();
        var reference = (await Server.IntrospectAsync(flow.Access, Gateway)).GetProperty("jti").GetString()!;
        var list = await OkAsync(await api.GetAsync($"/admin/api/v1/tokens?subject={flow.UserName}"));
        var family = list.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("reference").GetString() == reference)
            .GetProperty("familyId").GetString()!;

        using var revoked = await api.PostAsync($"/admin/api/v1/token-families/{family}/revoke", null);

        Assert.Equal(2, (await OkAsync(revoked)).GetProperty("revoked").GetInt32());
        using var refresh = await RefreshAsync(flow.Refresh);
        await ProtocolAssert.ErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await ActiveAsync(flow.Access));
        using var again = await api.PostAsync($"/admin/api/v1/token-families/{family}/revoke", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var row = Assert.Single(await AdminAudit.RowsAsync(Server, "admin.token_family.revoked"), r => r.Contains(family, StringComparison.Ordinal));
        NoTokenIn(row, flow.Access, flow.Refresh);
    }

    [Fact]
    public async Task Api_UnknownReferences_Are404_AndAStoredHashIsNoReference()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var (token, _) = await IssueOpaqueAsync();

        using var unknown = await api.PostAsync("/admin/api/v1/tokens/no-such-token/revoke", null);
        using var byHash = await api.PostAsync($"/admin/api/v1/tokens/{OpaqueHandle.Hash(token)}/revoke", null);
        using var family = await api.PostAsync("/admin/api/v1/token-families/no-such-family/revoke", null);
        using var grants = await api.GetAsync("/admin/api/v1/grants?userName=nobody-" + Guid.NewGuid().ToString("N"));
        using var noUser = await api.GetAsync("/admin/api/v1/grants");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byHash.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, family.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, grants.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noUser.StatusCode);
        Assert.True(await ActiveAsync(token));
    }

    [Fact]
    public async Task Api_RevokingAGrant_RemovesTheConsent_AndRevokesThatClientsTokensForTheUser()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var flow = await CodeFlowAsync();
        await Server.Service<IConsentStore>().GrantAsync(flow.UserId, Web.Id, ["openid", "orders.read"], Server.Time.GetUtcNow(), CancellationToken.None);

        var grants = await OkAsync(await api.GetAsync($"/admin/api/v1/grants?userName={flow.UserName}"));
        Assert.Equal(Web.Id, grants[0].GetProperty("clientId").GetString());

        using var revoked = await api.DeleteAsync($"/admin/api/v1/grants/{flow.UserName}/{Web.Id}");

        Assert.Equal(2, (await OkAsync(revoked)).GetProperty("tokensRevoked").GetInt32());
        Assert.False(await ActiveAsync(flow.Access));
        using var refresh = await RefreshAsync(flow.Refresh);
        await ProtocolAssert.ErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Null(await Server.Service<IConsentStore>().FindAsync(flow.UserId, Web.Id, CancellationToken.None));
        Assert.Equal(0, (await OkAsync(await api.GetAsync($"/admin/api/v1/grants?userName={flow.UserName}"))).GetArrayLength());
        using var again = await api.DeleteAsync($"/admin/api/v1/grants/{flow.UserName}/{Web.Id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        var row = Assert.Single(await AdminAudit.RowsAsync(Server, "admin.grant.revoked"), r => r.Contains($"grant:{flow.UserName}/{Web.Id}", StringComparison.Ordinal));
        NoTokenIn(row, flow.Access, flow.Refresh);
    }

    [Fact]
    public async Task Page_FindsTheTokenByClient_AndRevokesItAfterAConfirmation()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var (token, reference) = await IssueOpaqueAsync();
            var shortReference = reference[12..20];

            var list = await session.GetPageAsync($"/admin/tokens?clientId={Opaque.Id}");
            Assert.Contains($"<td class=\"mono\">{shortReference}</td>", list, StringComparison.Ordinal);
            NoTokenIn(list, token);

            var confirm = await session.GetPageAsync($"/admin/tokens/revoke?reference={reference}");
            Assert.Contains("id=\"confirm-revoke\"", confirm, StringComparison.Ordinal);
            Assert.True(await ActiveAsync(token)); // the confirmation changed nothing
            NoTokenIn(confirm, token);

            using var revoked = await session.SubmitToAsync($"/admin/tokens/revoke?reference={reference}", "/admin/tokens/revoke", ("Reference", reference));
            Assert.Equal(HttpStatusCode.Found, revoked.StatusCode);
            var after = await session.GetPageAsync(revoked.Headers.Location!.OriginalString);
            Assert.Contains($"Revoked token {shortReference}", after, StringComparison.Ordinal);
            Assert.False(await ActiveAsync(token));
            NoTokenIn(after, token);
        }
    }

    [Fact]
    public async Task Page_ShowsAUsersGrants_AndRevokesOneAfterAConfirmation()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var flow = await CodeFlowAsync();
            await Server.Service<IConsentStore>().GrantAsync(flow.UserId, Web.Id, ["openid"], Server.Time.GetUtcNow(), CancellationToken.None);

            var list = await session.GetPageAsync($"/admin/tokens?subject={flow.UserName}");
            Assert.Contains("<table id=\"grants\">", list, StringComparison.Ordinal);
            NoTokenIn(list, flow.Access, flow.Refresh);
            var confirmPath = $"/admin/tokens/revoke?userName={flow.UserName}&clientId={Web.Id}";
            Assert.Contains(confirmPath.Replace("&", "&amp;", StringComparison.Ordinal), list, StringComparison.Ordinal);

            using var revoked = await session.SubmitToAsync(confirmPath, "/admin/tokens/revoke", ("UserName", flow.UserName), ("ClientId", Web.Id));
            Assert.Equal(HttpStatusCode.Found, revoked.StatusCode);
            Assert.Contains("has not consented to any client", await session.GetPageAsync(revoked.Headers.Location!.OriginalString), StringComparison.Ordinal);
            Assert.False(await ActiveAsync(flow.Access));
        }
    }

    [Fact]
    public async Task Page_WithNothingFound_SaysSo()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin/tokens?clientId=no-such-client-" + Guid.NewGuid().ToString("N"));
            Assert.Contains("No stored token matches.", html, StringComparison.Ordinal);
            using var missing = await session.GetAsync("/admin/tokens/revoke?reference=no-such-token");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }
}

public sealed class SqliteTokensAdminTests(SqliteServerFixture fixture) : TokensAdminTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresTokensAdminTests(PostgresServerFixture fixture) : TokensAdminTests(fixture), IClassFixture<PostgresServerFixture>;
