using System.Net;
using AuthServer.Data.Entities;
using AuthServer.Hosting;
using AuthServer.Signals;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static AuthServer.Tests.Admin.SignalSettings;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Admin;

/// <summary>
/// Abuse signals: each fires once when its threshold is reached within the window, not below it, not again within
/// the window, and again after it; it leaves an audit row, a metric and a recent entry with the caller's address.
/// </summary>
public abstract class AbuseSignalTests(ServerFixture fixture)
{
    private const string Loopback = "127.0.0.1";

    private AuthServerHost Server => fixture.Host;

    private AbuseSignals Signals => Server.Service<AbuseSignals>();

    /// <summary>Moves past every window, so what earlier tests counted is forgotten; returns the new now.</summary>
    private DateTimeOffset FreshWindow()
    {
        Server.Time.Advance(TimeSpan.FromMinutes(10));
        return Server.Time.GetUtcNow();
    }

    private async Task IntrospectGarbageAsync((string Id, string Secret) caller, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.False((await Server.IntrospectAsync("not-a-token-" + Guid.NewGuid().ToString("N"), caller)).GetProperty("active").GetBoolean());
        }
    }

    [Fact]
    public async Task TokenGuessing_FiresOnceAtTheThreshold_NotAgainWithinTheWindow_AgainAfterIt()
    {
        var since = FreshWindow();
        using var meter = new SignalMeter(Server);

        await IntrospectGarbageAsync(Gateway, Threshold - 1);
        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since));
        Assert.Equal(0, meter[AbuseSignals.TokenGuessing]);

        await IntrospectGarbageAsync(Gateway, 1);
        var row = Assert.Single(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since));
        Assert.Equal("client:gateway|gateway|count=3 window=60s|detected", string.Join('|', row));
        Assert.Equal(1, meter[AbuseSignals.TokenGuessing]);
        var recent = Signals.Recent()[0];
        Assert.Equal((AbuseSignals.TokenGuessing, "client:gateway", Loopback), (recent.Signal, recent.Target, recent.Source));

        await IntrospectGarbageAsync(Gateway, Threshold + 1);
        Assert.Single(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since));

        Server.Time.Advance(Window + TimeSpan.FromSeconds(1));
        await IntrospectGarbageAsync(Gateway, Threshold - 1);
        Assert.Single(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since));
        await IntrospectGarbageAsync(Gateway, 1);
        Assert.Equal(2, (await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since)).Count);
        Assert.Equal(2, meter[AbuseSignals.TokenGuessing]);
    }

    [Fact]
    public async Task TokenGuessing_SpreadWiderThanTheWindow_DoesNotFire_AndActiveAnswersDoNotCount()
    {
        var since = FreshWindow();
        var token = await Server.IssueAsync(Opaque);
        for (var i = 0; i < Threshold * 2; i++)
        {
            Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
        }

        for (var i = 0; i < Threshold * 2; i++)
        {
            await IntrospectGarbageAsync(Gateway, 1);
            Server.Time.Advance(Window / (Threshold - 1));
        }

        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since));
    }

    [Fact]
    public async Task TokenGuessing_ThroughThePhantomEndpoint_Fires()
    {
        var since = FreshWindow();
        for (var i = 0; i < Threshold; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom");
            request.Headers.Authorization = AuthServerHost.BasicHeader(OrdersGateway.Id, OrdersGateway.Secret);
            request.Headers.Add("X-Access-Token", "Bearer guess-" + i);
            using var response = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal("client:orders-gateway", Assert.Single(await SignalRowsAsync(Server, AbuseSignals.TokenGuessing, since))[0]);
    }

    private async Task FailClientAuthenticationAsync(string clientId, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (clientId, "wrong-secret"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task SecretBruteForce_FiresPerSourceAndPerClient_WithTheSourceAddress()
    {
        var since = FreshWindow();
        using var meter = new SignalMeter(Server);
        await Server.IssueAsync(Opaque); // a success does not count

        await FailClientAuthenticationAsync(Opaque.Id, Threshold - 1);
        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.SecretBruteForce, since));

        await FailClientAuthenticationAsync(Opaque.Id, Threshold);
        var rows = await SignalRowsAsync(Server, AbuseSignals.SecretBruteForce, since);
        Assert.Equal(["ip:" + Loopback, "client:opaque-client"], rows.Select(r => r[0]));
        Assert.Equal(2, meter[AbuseSignals.SecretBruteForce]);

        // Both signals carry the address the engine's event was stamped with (ClientAuthenticator knows no HTTP).
        Assert.All(Signals.Recent().Take(2), s => Assert.Equal(Loopback, s.Source));
    }

    [Fact]
    public async Task CredentialStuffing_CountsDistinctAccountsFromOneSource()
    {
        var since = FreshWindow();
        using var meter = new SignalMeter(Server);
        using var browser = new PageSession(Server);
        async Task FailAsync(string name)
        {
            using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", "wrong password 1"), ("ReturnUrl", "/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var names = Enumerable.Range(0, Threshold).Select(i => $"victim{i}-{Guid.NewGuid():N}").ToList();
        await Server.CreateUserAsync(names[0], CodeFlow.Password);
        foreach (var name in names.SkipLast(1))
        {
            await FailAsync(name);
        }

        await FailAsync(names[0]); // the same account again is not another account
        await FailAsync(names[0].ToUpperInvariant());
        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.CredentialStuffing, since));

        await FailAsync(names[^1]);
        var row = Assert.Single(await SignalRowsAsync(Server, AbuseSignals.CredentialStuffing, since));
        Assert.Equal("ip:" + Loopback, row[0]);
        Assert.Equal(1, meter[AbuseSignals.CredentialStuffing]);
    }

    [Fact]
    public async Task CredentialStuffing_CountsWrongSecondFactorsToo()
    {
        var since = FreshWindow();
        using (var browser = new PageSession(Server))
        {
            foreach (var name in new[] { "nobody-a", "nobody-b" })
            {
                using var failed = await browser.SubmitAsync("/account/login", ("Username", name + Guid.NewGuid().ToString("N")[..6]), ("Password", "x"), ("ReturnUrl", "/"));
            }
        }

        // A third account whose password is right but whose second factor is wrong.
        var user = await Server.CreateUserAsync("mfa-" + Guid.NewGuid().ToString("N")[..8], CodeFlow.Password);
        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            await users.ResetAuthenticatorKeyAsync(stored);
            await users.SetTwoFactorEnabledAsync(stored, true);
        }

        using var session = new PageSession(Server);
        using var password = await session.SubmitAsync("/account/login", ("Username", user.UserName!), ("Password", CodeFlow.Password), ("ReturnUrl", "/"));
        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.CredentialStuffing, since));
        using var code = await session.SubmitAsync(password.Headers.Location!.OriginalString, ("Code", "000000"), ("ReturnUrl", "/"));
        Assert.Equal(HttpStatusCode.OK, code.StatusCode);

        Assert.Single(await SignalRowsAsync(Server, AbuseSignals.CredentialStuffing, since));
    }

    [Fact]
    public async Task RefreshReuse_EveryReuseIsASignal()
    {
        var since = FreshWindow();
        using var meter = new SignalMeter(Server);
        var first = await CodeFlow.TokensAsync(Server, "openid offline_access orders.read");
        var rt1 = first.GetProperty("refresh_token").GetString()!;
        async Task<HttpResponseMessage> RefreshAsync(string token) =>
            await Server.PostFormAsync("/connect/token", [("grant_type", "refresh_token"), ("refresh_token", token)], Web);

        using (var ok = await RefreshAsync(rt1))
        {
            await ProtocolAssert.OkJsonAsync(ok);
        }

        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.RefreshReuse, since));
        Server.Time.Advance(TimeSpan.FromSeconds(11)); // past the grace for racing refreshes
        using var reuse = await RefreshAsync(rt1);
        await ProtocolAssert.ErrorAsync(reuse, HttpStatusCode.BadRequest, "invalid_grant");

        var row = Assert.Single(await SignalRowsAsync(Server, AbuseSignals.RefreshReuse, since));
        Assert.StartsWith("client:web-app family=", row[0], StringComparison.Ordinal);
        Assert.Equal("web-app", row[1]);
        Assert.Equal(1, meter[AbuseSignals.RefreshReuse]);
        Assert.Equal(Loopback, Signals.Recent()[0].Source);
    }

    [Fact]
    public async Task ScopeOverreach_InvalidScopeIsAuditedAsScopeDenied_AndCountedPerClient()
    {
        var since = FreshWindow();
        for (var i = 0; i < Threshold - 1; i++)
        {
            using var refused = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "payments.charge")], OtherOpaque);
            await ProtocolAssert.ErrorAsync(refused, HttpStatusCode.BadRequest, "invalid_scope");
        }

        await Server.IssueAsync(OtherOpaque, ("scope", "orders.read")); // an allowed scope does not count
        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.ScopeOverreach, since));
        var denied = await Database.QueryAsync(Server,
            $"SELECT outcome, detail FROM audit_events WHERE action = 'scope.denied' AND client_id = 'other-client' AND occurred_at >= {since.ToUnixTimeMilliseconds()}");
        Assert.Equal(Threshold - 1, denied.Count);
        Assert.All(denied, d => Assert.Equal("failure|grant=client_credentials scope=payments.charge", string.Join('|', d)));

        using var browser = await CodeFlow.SignedInAsync(Server);
        var redirect = await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(extra: ("scope", "payments.charge")));
        Assert.Equal("invalid_scope", redirect["error"]);
        using var last = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "payments.charge")], OtherOpaque);

        var row = Assert.Single(await SignalRowsAsync(Server, AbuseSignals.ScopeOverreach, since));
        Assert.Equal("client:other-client", row[0]);
        Assert.Contains(await Database.QueryAsync(Server,
            $"SELECT detail FROM audit_events WHERE action = 'scope.denied' AND client_id = 'web-app' AND occurred_at >= {since.ToUnixTimeMilliseconds()}"),
            d => d[0] == "grant=authorization_code scope=payments.charge");
    }

    [Fact]
    public async Task AdminEnumeration_Many404sFromOneCaller_Fire()
    {
        var since = FreshWindow();
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        using var meter = new SignalMeter(Server);
        for (var i = 0; i < Threshold * 2; i++)
        {
            using var found = await api.GetAsync("/admin/api/v1/me"); // answers that are not 404 do not count
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        }

        for (var i = 0; i < Threshold - 1; i++)
        {
            using var missing = await api.GetAsync($"/admin/api/v1/clients/guess-{i}-{Guid.NewGuid():N}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.Empty(await SignalRowsAsync(Server, AbuseSignals.AdminEnumeration, since));
        using (var missing = await api.GetAsync("/admin/api/v1/nothing-here"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var row = Assert.Single(await SignalRowsAsync(Server, AbuseSignals.AdminEnumeration, since));
        Assert.Equal("client:admin-automation", row[0]);
        Assert.Equal(1, meter[AbuseSignals.AdminEnumeration]);
        Assert.Equal(Loopback, Signals.Recent()[0].Source);
    }

    [Fact]
    public async Task Memory_IsBounded_TheLeastRecentlySeenKeyIsForgotten()
    {
        var since = FreshWindow();
        for (var i = 0; i < MaxTrackedKeys * 3; i++)
        {
            await FailClientAuthenticationAsync($"nobody-{i}-{Guid.NewGuid():N}", 1);
            Assert.True(Signals.TrackedKeys(AbuseSignals.SecretBruteForce) <= MaxTrackedKeys);
        }

        Assert.Equal(MaxTrackedKeys, Signals.TrackedKeys(AbuseSignals.SecretBruteForce));

        // The newest keys are still counted.
        var last = "last-" + Guid.NewGuid().ToString("N")[..8];
        await FailClientAuthenticationAsync(last, Threshold);
        Assert.Contains(await SignalRowsAsync(Server, AbuseSignals.SecretBruteForce, since), r => r[0] == "client:" + last);
    }

    [Fact]
    public async Task BadSignalConfiguration_StopsTheStart_SayingWhatToFix()
    {
        using var folder = new TempFolder();
        var settings = HostSettings.NewSqlite(folder.Path) with
        {
            ExtraArgs = ["--AuthServer:Signals:TokenGuessing:Threshold=0", "--AuthServer:Signals:AdminEnumeration:Window=00:00:00"],
        };

        var e = await Assert.ThrowsAsync<StartupException>(() => AuthServerHost.StartAsync(settings));
        Assert.Contains("AuthServer:Signals:TokenGuessing:Threshold must be between 1 and 1000", e.Message, StringComparison.Ordinal);
        Assert.Contains("AuthServer:Signals:AdminEnumeration:Window must be between", e.Message, StringComparison.Ordinal);
    }
}

public sealed class SqliteAbuseSignalTests(SqliteSignalServerFixture f) : AbuseSignalTests(f), IClassFixture<SqliteSignalServerFixture>;

public sealed class PostgresAbuseSignalTests(PostgresSignalServerFixture f) : AbuseSignalTests(f), IClassFixture<PostgresSignalServerFixture>;
