using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Admin.SignalSettings;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>The overview (/admin and GET /admin/api/v1/overview): the last hour of the audit log, in figures.</summary>
public abstract class OverviewTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    /// <summary>Moves two hours on, so the overview's hour holds only what the test does next.</summary>
    private void FreshHour() => Server.Time.Advance(TimeSpan.FromHours(2));

    private async Task<JsonElement> OverviewAsync()
    {
        await Server.FlushAuditAsync();
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var response = await api.GetAsync("/admin/api/v1/overview");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static long Count(JsonElement list, string nameProperty, string name, string countProperty) =>
        list.EnumerateArray().Where(e => e.GetProperty(nameProperty).GetString() == name).Select(e => e.GetProperty(countProperty).GetInt64()).SingleOrDefault();

    private async Task FailClientAuthenticationAsync(int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (Opaque.Id, "wrong-secret"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task TokensIssued_AreCountedPerClient_PerGrant_AndPerMinute()
    {
        FreshHour();
        for (var i = 0; i < 3; i++)
        {
            await Server.IssueAsync(Opaque);
        }

        await Server.IssueAsync(Jwt);
        await Server.IssueAsync(Jwt);
        Server.Time.Advance(TimeSpan.FromMinutes(1));
        await Server.IssueAsync(Opaque);

        var overview = await OverviewAsync(); // its own admin token is the 7th, in the last minute

        Assert.Equal(7, overview.GetProperty("totals").GetProperty("tokensIssued").GetInt64());
        var byClient = overview.GetProperty("byClient");
        Assert.Equal(4, Count(byClient, "name", Opaque.Id, "tokens"));
        Assert.Equal(3, Count(byClient, "name", Opaque.Id, "peakPerMinute"));
        Assert.Equal(2, Count(byClient, "name", Jwt.Id, "tokens"));
        Assert.Equal(1, Count(byClient, "name", Infrastructure.Admin.Automation.Id, "tokens"));
        Assert.Equal(7, Count(overview.GetProperty("byGrant"), "name", "client_credentials", "tokens"));

        var minutes = overview.GetProperty("perMinute").EnumerateArray().ToList();
        Assert.Equal(2, minutes.Count);
        Assert.Equal(2, Count(minutes[0].GetProperty("byClient"), "name", Opaque.Id, "count") + Count(minutes[0].GetProperty("byClient"), "name", Infrastructure.Admin.Automation.Id, "count"));
        Assert.Equal(3, Count(minutes[1].GetProperty("byClient"), "name", Opaque.Id, "count"));
        Assert.Equal(5, minutes[1].GetProperty("total").GetInt64());
        Assert.True(minutes[0].GetProperty("minute").GetDateTimeOffset() > minutes[1].GetProperty("minute").GetDateTimeOffset());
    }

    [Fact]
    public async Task CodeAndRefreshTokens_AreCountedUnderTheirGrants()
    {
        FreshHour();
        var tokens = await CodeFlow.TokensAsync(Server, "openid offline_access orders.read");
        using (var refreshed = await Server.PostFormAsync("/connect/token",
                   [("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!)], Web))
        {
            await ProtocolAssert.OkJsonAsync(refreshed);
        }

        var overview = await OverviewAsync();

        Assert.Equal(1, Count(overview.GetProperty("byGrant"), "name", "authorization_code", "tokens"));
        Assert.Equal(1, Count(overview.GetProperty("byGrant"), "name", "refresh_token", "tokens"));
        Assert.Equal(2, Count(overview.GetProperty("byClient"), "name", Web.Id, "tokens"));
    }

    [Fact]
    public async Task Failures_SecurityEvents_AndSignals_AreListed_WithTheirSource()
    {
        FreshHour();
        await FailClientAuthenticationAsync(Threshold);

        var overview = await OverviewAsync();

        Assert.Equal(Threshold, Count(overview.GetProperty("failures"), "action", "client.authentication_failed", "count"));
        var totals = overview.GetProperty("totals");
        Assert.Equal(Threshold, totals.GetProperty("failures").GetInt64());
        Assert.Equal(2, totals.GetProperty("signals").GetInt64()); // per source and per client
        Assert.Equal(Threshold + 2, totals.GetProperty("securityEvents").GetInt64());

        var events = overview.GetProperty("securityEvents").EnumerateArray().ToList();
        Assert.Equal(Threshold + 2, events.Count);
        Assert.StartsWith("signal.secret_brute_force", events[0].GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Equal("detected", events[0].GetProperty("outcome").GetString());
        Assert.Equal(Threshold, events.Count(e => e.GetProperty("action").GetString() == "client.authentication_failed"));

        // Every one of them was recorded during a request from loopback, and the stored row says so.
        Assert.All(events, e => Assert.Equal("127.0.0.1", e.GetProperty("source").GetString()));

        var signals = overview.GetProperty("nodeSignals").EnumerateArray().ToList();
        Assert.Equal(["client:opaque-client", "ip:127.0.0.1"], signals.Select(s => s.GetProperty("target").GetString()));
        Assert.All(signals, s => Assert.Equal("127.0.0.1", s.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task SecurityEvents_AreTheNewest20_AndSuccessesAreNotFailures()
    {
        FreshHour();
        await FailClientAuthenticationAsync(25);
        await Server.IssueAsync(Opaque);

        var overview = await OverviewAsync();

        var events = overview.GetProperty("securityEvents").EnumerateArray().ToList();
        Assert.Equal(20, events.Count);
        Assert.Equal(25, overview.GetProperty("totals").GetProperty("failures").GetInt64());
        Assert.DoesNotContain(events, e => e.GetProperty("action").GetString()!.StartsWith("token.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_ShowsTheFigures_AndTheSignal()
    {
        FreshHour();
        await Server.IssueAsync(Opaque);
        await Server.IssueAsync(Opaque);
        await FailClientAuthenticationAsync(Threshold);
        await Server.FlushAuditAsync();
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin");

            Assert.Equal("2", Infrastructure.Admin.TextOf(html, "total-tokens"));
            Assert.Equal("2", Infrastructure.Admin.TextOf(html, "client-" + Opaque.Id));
            Assert.Equal("2", Infrastructure.Admin.TextOf(html, "grant-client_credentials"));
            Assert.Equal(Threshold.ToString(), Infrastructure.Admin.TextOf(html, "failure-client.authentication_failed"));
            Assert.Equal("2", Infrastructure.Admin.TextOf(html, "total-signals"));
            Assert.Contains("signal.secret_brute_force", html, StringComparison.Ordinal);
            Assert.Contains("ip:127.0.0.1", html, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"no-tokens\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Page_WithNothingInTheLastHour_ShowsEmptyStates()
    {
        FreshHour();
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync("/admin");

            Assert.Contains($"Signed in as {name}", html, StringComparison.Ordinal);
            Assert.Equal("0", Infrastructure.Admin.TextOf(html, "total-tokens"));
            foreach (var empty in new[] { "no-tokens", "no-failures", "no-signals", "no-security-events" })
            {
                Assert.Contains($"id=\"{empty}\"", html, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Api_WithoutAnAdminToken_Is401()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/overview");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_ToAPageWithOnlyAGetHandler_Is405Page_NotA500()
    {
        // Found by the fuzzer: Razor Pages rendered the page with no handler run, and the unset model threw.
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.SubmitToAsync("/admin/clients/new", "/admin", ("x", "y"));

            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}

public sealed class SqliteOverviewTests(SqliteSignalServerFixture f) : OverviewTests(f), IClassFixture<SqliteSignalServerFixture>;

public sealed class PostgresOverviewTests(PostgresSignalServerFixture f) : OverviewTests(f), IClassFixture<PostgresSignalServerFixture>;
