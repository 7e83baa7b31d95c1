using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// The database goes away under a running server and comes back: while it is away the protocol endpoints answer 503
/// temporarily_unavailable with Retry-After (never 500), pages a 503 page, /health/ready 503 and /health/live 200;
/// once it is back the same process serves again (no restart): tokens issued before and after, revocation, readiness,
/// and the background services (key schedule, pruning). PostgreSQL: the cluster is stopped (fast shutdown) and started
/// again on the same port and data. SQLite: another connection holds the write lock past the busy timeout.
/// </summary>
public abstract class DatabaseOutageTests : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private const int PollAttempts = 100;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // The background services run each second (on the real clock), so the test sees them act after the outage.
    protected static readonly string[] BackgroundEverySecond =
        ["--AuthServer:Caches:KeyRefreshInterval=00:00:01", "--AuthServer:Tokens:PruneInterval=00:00:01"];

    private AuthServerHost? _server;

    protected AuthServerHost Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Whether reads go on while the database is "away" (SQLite in WAL mode: only the write lock is held).</summary>
    protected abstract bool ReadsSurvive { get; }

    public async Task InitializeAsync()
    {
        _server = await AuthServerHost.StartAsync(await CreateSettingsAsync());
        await _server.ImportAsync(Json);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await CleanupAsync();
    }

    protected abstract Task<HostSettings> CreateSettingsAsync();

    protected abstract Task BreakDatabaseAsync();

    protected abstract Task RestoreDatabaseAsync();

    protected abstract Task CleanupAsync();

    [Fact]
    public async Task DatabaseAway_Answers503TemporarilyUnavailable_ReadyTurns503_LiveStays200_ThenRecoversWithoutRestart()
    {
        await Server.CreateUserAsync("alice", Password);
        var opaque = await Server.IssueAsync(Opaque);
        var jwt = await Server.IssueAsync(Jwt);
        var toRevoke = await Server.IssueAsync(Opaque);
        using var browser = new PageSession(Server);
        var loginToken = PageSession.AntiforgeryToken(await browser.GetPageAsync("/account/login"));
        using var adminApi = await Infrastructure.Admin.ApiClientAsync(Server);
        Assert.True(await PollReadyAsync(HttpStatusCode.OK), "Not ready before the outage.");

        await BreakDatabaseAsync();
        try
        {
            await AssertTemporarilyUnavailableAsync(await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], Opaque));
            await AssertTemporarilyUnavailableAsync(await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], Jwt));
            await AssertTemporarilyUnavailableAsync(await Server.PostFormAsync("/connect/revoke", [("token", toRevoke)], Opaque));
            if (ReadsSurvive)
            {
                Assert.True((await Server.IntrospectAsync(opaque, Gateway)).GetProperty("active").GetBoolean());
            }
            else
            {
                await AssertTemporarilyUnavailableAsync(await Server.PostFormAsync("/connect/introspect", [("token", opaque)], Gateway));
                using var userInfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
                userInfo.Headers.Authorization = new AuthenticationHeaderValue("Bearer", opaque);
                await AssertTemporarilyUnavailableAsync(await Server.Http.SendAsync(userInfo));

                // The admin API answers a problem document.
                using var clients = await adminApi.GetAsync("/admin/api/v1/clients");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, clients.StatusCode);
                Assert.Equal("application/problem+json", clients.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(clients.Headers.RetryAfter);
            }

            // A wrong password is counted (a write): the page says the service is away, not that something broke.
            using (var login = await browser.PostAsync("/account/login",
                [("Username", "alice"), ("Password", "wrong password entirely"), ("ReturnUrl", "/"), ("__RequestVerificationToken", loginToken)]))
            {
                var html = await login.Content.ReadAsStringAsync();
                Assert.True(login.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)login.StatusCode}: {html}");
                Assert.NotNull(login.Headers.RetryAfter);
                Assert.Contains("temporarily unavailable", html, StringComparison.Ordinal);
                Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
            }

            Assert.True(await PollReadyAsync(HttpStatusCode.ServiceUnavailable), "Readiness did not turn 503 while the database was away.");
            using (var ready = await Server.Http.GetAsync("/health/ready"))
            {
                Assert.True(ready.Headers.CacheControl?.NoStore);
                var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
                Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("database").GetString());
                Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("signing_keys").GetString());
            }

            using var live = await Server.Http.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        }
        finally
        {
            await RestoreDatabaseAsync();
        }

        // Back: the same process serves again, with what it stored before the outage.
        Assert.True(await PollReadyAsync(HttpStatusCode.OK), "Readiness did not return to 200 after the database came back.");
        var after = await Server.IssueAsync(Opaque);
        Assert.True((await Server.IntrospectAsync(after, Gateway)).GetProperty("active").GetBoolean());
        Assert.True((await Server.IntrospectAsync(opaque, Gateway)).GetProperty("active").GetBoolean());
        Assert.True((await Server.IntrospectAsync(jwt, Gateway)).GetProperty("active").GetBoolean());
        await Server.IssueAsync(Jwt);
        using (var revoked = await Server.PostFormAsync("/connect/revoke", [("token", toRevoke)], Opaque))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        Assert.False((await Server.IntrospectAsync(toRevoke, Gateway)).GetProperty("active").GetBoolean());

        // The background services survived the outage: past the point where the next signing keys are due (83 days) the
        // key refresh publishes them, and the pruner deletes the tokens, which have all expired by then.
        var keysBefore = JwksKids(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        Server.Time.Advance(TimeSpan.FromDays(84));
        Assert.True(await PollAsync(async () =>
            JwksKids(await Server.Http.GetStringAsync("/.well-known/jwks.json")).Count == keysBefore.Count + 2),
            "The key refresh service did not publish the next keys after the outage.");
        Assert.True(await PollAsync(async () => (await Database.TokenIdsAsync(Server)).Count == 0),
            "The token pruning service did not prune after the outage.");
    }

    [Fact]
    public async Task HealthEndpoints_NeedNoCredentials_SetNoCookie_AndSayOnlyEachCheckStatus()
    {
        using var live = await Server.Http.GetAsync("/health/live");
        using var ready = await Server.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"Healthy","checks":{"database":"Healthy","schema":"Healthy","signing_keys":"Healthy"}}""",
            await ready.Content.ReadAsStringAsync());
        foreach (var response in new[] { live, ready })
        {
            Assert.True(response.Headers.CacheControl?.NoStore);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }

        // Probes only read.
        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            using var head = await Server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            using var post = await Server.Http.PostAsync(path, null);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
    }

    [Fact]
    public async Task Ready_WithTheNewestMigrationMissing_Is503WithSchemaUnhealthy_LiveStays200()
    {
        var database = Server.Service<AuthServer.Data.AuthServerDatabase>();
        await using (var connection = await database.OpenConnectionAsync(CancellationToken.None))
        await using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)";
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        Assert.True(await PollReadyAsync(HttpStatusCode.ServiceUnavailable), "Readiness stayed 200 with a migration missing.");
        using var ready = await Server.Http.GetAsync("/health/ready");
        Assert.Equal("""{"status":"Unhealthy","checks":{"database":"Healthy","schema":"Unhealthy","signing_keys":"Healthy"}}""",
            await ready.Content.ReadAsStringAsync());
        using var live = await Server.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private static async Task AssertTemporarilyUnavailableAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("temporarily_unavailable", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.True(response.Headers.CacheControl?.NoStore);
        }
    }

    /// <summary>Readiness answers are reused for a second; poll (bounded) until it says <paramref name="status"/>.</summary>
    private Task<bool> PollReadyAsync(HttpStatusCode status) => PollAsync(async () =>
    {
        using var response = await Server.Http.GetAsync("/health/ready");
        return response.StatusCode == status;
    });

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < PollAttempts; attempt++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(PollInterval);
        }

        return false;
    }

    private static List<string> JwksKids(string jwks) =>
        JsonDocument.Parse(jwks).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToList();
}

/// <summary>PostgreSQL on its own cluster (stopping the shared one would fail other tests), stopped and started again.</summary>
public sealed class PostgresDatabaseOutageTests : DatabaseOutageTests
{
    private readonly PostgresCluster _cluster = new();
    private readonly TempFolder _folder = new();

    protected override bool ReadsSurvive => false;

    protected override async Task<HostSettings> CreateSettingsAsync()
    {
        await _cluster.InitializeAsync();
        var connectionString = await _cluster.CreateDatabaseAsync("outage");
        return new HostSettings("PostgreSql", connectionString, Path.Combine(_folder.Path, "keys"), BackgroundEverySecond);
    }

    protected override Task BreakDatabaseAsync() => _cluster.StopAsync();

    protected override Task RestoreDatabaseAsync() => _cluster.StartAgainAsync();

    protected override async Task CleanupAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>SQLite with a one-second busy timeout; another connection holds the write lock (BEGIN EXCLUSIVE) meanwhile.</summary>
public sealed class SqliteDatabaseOutageTests : DatabaseOutageTests
{
    private readonly TempFolder _folder = new();
    private SqliteConnection? _locker;

    protected override bool ReadsSurvive => true;

    protected override Task<HostSettings> CreateSettingsAsync()
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        return Task.FromResult(settings with { ConnectionString = settings.ConnectionString + ";Default Timeout=1", ExtraArgs = BackgroundEverySecond });
    }

    protected override async Task BreakDatabaseAsync()
    {
        var file = new SqliteConnectionStringBuilder(Server.Settings.ConnectionString).DataSource;
        _locker = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
        await _locker.OpenAsync();
        await using var begin = _locker.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE";
        await begin.ExecuteNonQueryAsync();
    }

    protected override async Task RestoreDatabaseAsync()
    {
        if (_locker is { } locker)
        {
            _locker = null;
            await using (var rollback = locker.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync();
            }

            await locker.DisposeAsync();
        }
    }

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The health settings: checked at start, like every other setting; the readiness cache bounds database probes.</summary>
public sealed class HealthSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData("--AuthServer:Health:DatabaseTimeout=00:00:00", "AuthServer:Health:DatabaseTimeout")]
    [InlineData("--AuthServer:Health:DatabaseTimeout=00:01:00", "AuthServer:Health:DatabaseTimeout")]
    [InlineData("--AuthServer:Health:ReadyCacheDuration=-00:00:01", "AuthServer:Health:ReadyCacheDuration")]
    [InlineData("--AuthServer:Health:ReadyCacheDuration=00:05:00", "AuthServer:Health:ReadyCacheDuration")]
    public async Task Start_WithHealthSettingsOutOfRange_StopsWithWhatToFix(string arg, string message)
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        string[] args =
        [
            "--Urls=http://127.0.0.1:0", $"--AuthServer:Database:ConnectionString={settings.ConnectionString}",
            $"--AuthServer:KeysDirectory={settings.KeysDirectory}", arg,
        ];

        var error = await Assert.ThrowsAsync<AuthServer.Hosting.StartupException>(() => AuthServerApp.CreateAsync(args));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:30", true)]
    [InlineData("00:00:00", false)]
    public async Task Ready_ManyProbes_ReachTheDatabaseOncePerCacheDuration(string cacheDuration, bool cached)
    {
        await using var server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path) with
        {
            ExtraArgs = [$"--AuthServer:Health:ReadyCacheDuration={cacheDuration}"],
        });
        var probe = server.Service<AuthServer.Hosting.DatabaseProbe>();
        var before = probe.Probes;

        // 20 at once (they share one probe in flight), then 20 one after the other.
        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Http.GetAsync("/health/ready")));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Array.ForEach(burst, r => r.Dispose());
        for (var i = 0; i < 20; i++)
        {
            using var ready = await server.Http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        if (cached)
        {
            Assert.Equal(1, probe.Probes - before);
        }
        else
        {
            // Without caching every one of the sequential requests probes (at least once).
            Assert.True(probe.Probes - before >= 20, $"{probe.Probes - before} probes for 40 requests.");
        }
    }

    public void Dispose() => _folder.Dispose();
}
