using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Protocol.Audit;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>
/// The audit log through /admin/audit and /admin/api/v1/audit: every security event that exists lands in the hash
/// chain, which verifies; filters, paging, export, and bad filters answered with a message.
/// </summary>
public abstract class AuditPageTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task SecurityEvents_EveryKindThatExists_LandInTheChainAndItVerifies()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);          // login.password + login.mfa
        session.Dispose();
        using (var anonymous = new PageSession(Server))
        using (await anonymous.SubmitAsync("/account/login", ("Username", "nobody"), ("Password", "wrong"), ("ReturnUrl", "/admin")))
        {
        }

        var issued = await Server.IssueAsync(Opaque);                                 // token.issued
        using (await Server.PostFormAsync("/connect/revoke", [("token", issued)], Opaque))   // token.revoked
        using (await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (Opaque.Id, "wrong-secret")))
        {
        }

        var tokens = await CodeFlow.TokensAsync(Server, "openid offline_access orders.read");
        var rt1 = tokens.GetProperty("refresh_token").GetString()!;
        using (await Refresh(rt1))
        {
        }

        Server.Time.Advance(TimeSpan.FromSeconds(11));
        using (await Refresh(rt1))                                                   // refresh.reused
        {
        }

        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using (await api.PostAsJsonAsync("/admin/api/v1/keys/rotate", new { algorithm = "ES256" }))   // key.*
        {
        }

        // Admin API tokens are now signed with a key the admin API's validator has not fetched yet: past its refetch
        // throttle (1 s for the admin API, which reads the JWKS in process), the next token is accepted.
        Server.Time.Advance(TimeSpan.FromSeconds(2));

        await Server.FlushAuditAsync();

        foreach (var action in new[] { "login.password", "login.mfa", "token.issued", "token.revoked", "client.authentication_failed", "refresh.reused", "key.retire" })
        {
            var page = await ListAsync(api, $"action={action}");
            Assert.True(page.GetProperty("total").GetInt64() > 0, $"No {action} entry in the audit log.");
            Assert.All(page.GetProperty("items").EnumerateArray(), e => Assert.Matches("^[0-9a-f]{64}$", e.GetProperty("hash").GetString()));
        }

        var rotated = (await ListAsync(api, "action=key.")).GetProperty("items").EnumerateArray().First();
        Assert.Equal("client:" + Infrastructure.Admin.Automation.Id, rotated.GetProperty("actor").GetString());
        var verify = await VerifyAsync(api);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
        Assert.Matches("^[0-9]+:[0-9a-f]{64}$", verify.GetProperty("head").GetString());
    }

    [Fact]
    public async Task ApiList_FilteredByActorAndPaged_NewestFirstWithTotals()
    {
        var actor = "user:audit-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 1; i <= 5; i++)
        {
            await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), "admin.test.changed", "success", Target: $"thing:{i}", Actor: actor,
                Data: $"{{\"after\":{{\"i\":{i}}}}}"));
        }

        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var first = await ListAsync(api, $"actor={Uri.EscapeDataString(actor)}&pageSize=2");
        var third = await ListAsync(api, $"actor={Uri.EscapeDataString(actor)}&pageSize=2&page=3");

        Assert.Equal(5, first.GetProperty("total").GetInt64());
        Assert.Equal(new[] { "thing:5", "thing:4" }, Targets(first));
        Assert.Equal(new[] { "thing:1" }, Targets(third));
        Assert.Equal(5, first.GetProperty("items")[0].GetProperty("data").GetProperty("after").GetProperty("i").GetInt32());
        Assert.Equal(new[] { "thing:3" }, Targets(await ListAsync(api, $"actor={Uri.EscapeDataString(actor)}&target=thing:3")));
    }

    [Fact]
    public async Task ApiExport_Filtered_IsAnNdjsonAttachmentWithOneEntryPerLine()
    {
        var target = "export:" + Guid.NewGuid().ToString("N")[..8];
        await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), "admin.test.one", "success", Target: target));
        await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), "admin.test.two", "failure", Target: target));
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.GetAsync($"/admin/api/v1/audit/export?target={target}&outcome=failure");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var line = JsonDocument.Parse(Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(("admin.test.two", "failure"), (line.GetProperty("action").GetString(), line.GetProperty("outcome").GetString()));
        Assert.True(line.GetProperty("sequence").GetInt64() > 1);
    }

    [Fact]
    public async Task ApiList_FromIsNotADate_Is400NamingTheField()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.GetAsync("/admin/api/v1/audit?from=last-tuesday");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ISO 8601", JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("from")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiVerify_ExpectHeadMalformed_Is400AndAFutureHeadIsTruncated()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var malformed = await api.PostAsJsonAsync("/admin/api/v1/audit/verify", new { expectHead = "12" });
        var truncated = await VerifyAsync(api, $"999999:{new string('a', 64)}");

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.False(truncated.GetProperty("ok").GetBoolean());
        Assert.Equal("truncated", truncated.GetProperty("problem").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Page_FilterByActionPrefix_ShowsOnlyThoseWithDataAsEncodedJson()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), $"admin.page{marker}.changed", "success", Target: "x",
            Data: """{"after":{"name":"<script>alert(1)</script>"}}"""));
        await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), "admin.other.changed", "success", Target: "y"));
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync($"/admin/audit?action=admin.page{marker}.");

            Assert.Contains($"admin.page{marker}.changed", html, StringComparison.Ordinal);
            Assert.DoesNotContain("admin.other.changed", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal);
            Assert.Contains("&quot;name&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;", html, StringComparison.Ordinal);
            Assert.Contains($"href=\"/admin/audit/export?action=admin.page{marker}.\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Page_ToIsNotADate_ShowsTheMessageBesideTheField()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.GetAsync("/admin/audit?to=31%2F12%2F2026x");
            var html = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("ISO 8601", Infrastructure.Admin.TextOf(html, "to-error"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PageExport_Filtered_DownloadsNdjson()
    {
        var target = "pexport:" + Guid.NewGuid().ToString("N")[..8];
        await RecordAsync(new AuditEvent(Server.Time.GetUtcNow(), "admin.test.exported", "success", Target: target));
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.GetAsync($"/admin/audit/export?target={target}");
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("attachment; filename=\"audit-", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
            Assert.Equal(target, JsonDocument.Parse(body.Trim()).RootElement.GetProperty("target").GetString());
        }
    }

    [Fact]
    public async Task PageVerify_IntactChain_ShowsOkWithTheHead()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var post = await session.SubmitToAsync("/admin/audit", "/admin/audit?handler=Verify", ("expectHead", ""));
            Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);

            var html = await session.GetPageAsync(post.Headers.Location!.OriginalString);
            Assert.StartsWith("Chain OK:", Infrastructure.Admin.TextOf(html, "verify-result"), StringComparison.Ordinal);
        }
    }

    private Task<HttpResponseMessage> Refresh(string refreshToken) =>
        Server.PostFormAsync("/connect/token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], Web);

    /// <summary>
    /// Audit events are queued; the writer commits in queue order, so once an event recorded durably now is committed,
    /// every event queued before it is too.
    /// </summary>

    private Task RecordAsync(AuditEvent e) => Server.Service<IAuditSink>().RecordDurablyAsync(e, CancellationToken.None);

    private static async Task<JsonElement> ListAsync(HttpClient api, string query)
    {
        using var response = await api.GetAsync("/admin/api/v1/audit?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> VerifyAsync(HttpClient api, string? expectHead = null)
    {
        using var response = expectHead is null
            ? await api.PostAsync("/admin/api/v1/audit/verify", null)
            : await api.PostAsJsonAsync("/admin/api/v1/audit/verify", new { expectHead });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string?[] Targets(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("target").GetString()).ToArray();
}

public sealed class SqliteAuditPageTests(SqliteServerFixture fixture) : AuditPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAuditPageTests(PostgresServerFixture fixture) : AuditPageTests(fixture), IClassFixture<PostgresServerFixture>;
