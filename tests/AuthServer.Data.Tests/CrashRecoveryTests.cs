using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AuthServer.Data.Tests;

/// <summary>
/// kill -9 of the real server (the built AuthServer.dll, production settings) in the middle of a concurrent load of
/// token requests (opaque and JWT) and revocations, then a restart on the same database: every token a client was
/// given introspects active, unless a revocation of it was answered 200 (then inactive); the database is consistent
/// (SQLite integrity_check, the audit hash chain verified by `audit verify`, every token row complete and audited).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashRecoveryTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Api = "https://api.crash.test/orders";
    private const string Scope = "orders.read";
    private const int Workers = 4;
    private const int MaxRequestsPerWorker = 1500;

    /// <summary>Tokens returned to clients before the kill (then requests are in flight on every worker).</summary>
    private const int KillAfterTokens = 400;

    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(120);

    private readonly (string Id, string Secret) _opaque = ("crash-opaque", NewSecret());
    private readonly (string Id, string Secret) _jwt = ("crash-jwt", NewSecret());
    private readonly (string Id, string Secret) _gateway = ("crash-gateway", NewSecret());

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KillDashNine_UnderLoad_LosesNoTokenOrRevocationAClientWasGiven_AndLeavesTheDatabaseConsistent(DatabaseProvider provider)
    {
        using var database = await TestDatabase.CreateAsync(provider, cluster);
        var environment = new Dictionary<string, string>
        {
            ["AuthServer__Database__Provider"] = provider.ToString(),
            ["AuthServer__Database__ConnectionString"] = database.ConnectionString,
            ["AuthServer__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        await RunCliAsync(environment, ImportJson(), "import");

        var port = Loopback.FreePort();
        await using var node = new ClusterNode("crash", port, new Dictionary<string, string>(environment)
        {
            ["AuthServer__Issuer"] = $"http://127.0.0.1:{port}",
            ["AuthServer__Http__RequireHttps"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await node.StartAsync();

        // The load: each worker asks for opaque and JWT tokens in turn and revokes every fourth token it was given.
        var given = new ConcurrentBag<Issued>();
        var revoked = new ConcurrentDictionary<string, bool>(); // token -> the revocation was answered 200 (false: no answer)
        var failures = new ConcurrentBag<string>();
        using var killed = new CancellationTokenSource();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers })
        {
            BaseAddress = node.BaseAddress,
            Timeout = TimeSpan.FromSeconds(20),
        };
        var load = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < MaxRequestsPerWorker && !killed.IsCancellationRequested; i++)
            {
                var client = (i + worker) % 2 == 0 ? _opaque : _jwt;
                var token = await TryIssueAsync(http, client, failures);
                if (token is null)
                {
                    // No answer at all (not a status code): the server is gone. Stop, rather than spin on refused connections.
                    if (failures.Any(f => f.Contains("Exception", StringComparison.Ordinal)))
                    {
                        break;
                    }

                    continue;
                }

                given.Add(new Issued(token, client.Id));
                if (i % 4 == 3)
                {
                    revoked[token] = false;
                    revoked[token] = await TryRevokeAsync(http, client, token, failures);
                }
            }
        })).ToList();

        // Kill once enough tokens were given out: a real condition, polled, within a bound (the load's own end).
        var loadDone = Task.WhenAll(load);
        while (given.Count < KillAfterTokens && !loadDone.IsCompleted)
        {
            await Task.WhenAny(loadDone, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        Assert.False(loadDone.IsCompleted, $"The load ended before the kill ({given.Count} tokens; failures: {string.Join("; ", failures.Take(5))}).");
        await node.KillAsync();
        var givenAtKill = given.Count;
        killed.Cancel();
        await loadDone;

        await node.StartAsync();

        // Every token a client was given is there; a confirmed revocation too.
        var revokedConfirmed = revoked.Where(r => r.Value).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var unknown = revoked.Where(r => !r.Value).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var lost = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(given, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (issued, _) =>
        {
            if (unknown.Contains(issued.Token))
            {
                return; // The kill came between the revocation's request and its answer: either state is right.
            }

            var active = await IntrospectAsync(http, issued.Token);
            var expected = !revokedConfirmed.Contains(issued.Token);
            if (active != expected)
            {
                lost.Add($"{issued.ClientId}: a token {(expected ? "given out is not active" : "whose revocation was confirmed is active")}");
            }
        });

        output.WriteLine($"{provider}: {Workers} workers; SIGKILL after {givenAtKill} tokens; {given.Count} tokens given in all " +
                         $"({given.Count(g => g.ClientId == _jwt.Id)} JWT), {revokedConfirmed.Count} revocations confirmed, " +
                         $"{unknown.Count} unanswered; {failures.Count} requests failed at the kill (e.g. {failures.FirstOrDefault()}).");
        Assert.True(lost.IsEmpty, $"{lost.Count} of {given.Count} tokens are not as the client was told:\n{string.Join("\n", lost.Take(10))}");

        // The restarted server works, and the database is consistent.
        Assert.NotNull(await TryIssueAsync(http, _opaque, failures));
        await AssertConsistentAsync(database, environment, revokedConfirmed.Count);
    }

    private async Task AssertConsistentAsync(TestDatabase database, Dictionary<string, string> environment, int revocationsConfirmed)
    {
        if (database.SqliteFile is { } file)
        {
            await using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
            await sqlite.OpenAsync();
            Assert.Equal("ok", await ScalarAsync(sqlite, "PRAGMA integrity_check"));
        }

        var verify = await RunCliAsync(environment, null, "audit", "verify");
        output.WriteLine($"audit verify: {verify.StandardOutput.Trim()}");

        await using var db = database.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);

        // No half-written row: every field a token needs, a status that agrees with its revocation time.
        Assert.Equal("0", await ScalarAsync(connection,
            "SELECT COUNT(*) FROM tokens WHERE status NOT IN ('active', 'revoked') OR (status = 'revoked') <> (revoked_at IS NOT NULL) " +
            "OR expires_at <= issued_at OR scopes = '' OR audiences = '' OR client_id NOT IN ('crash-opaque', 'crash-jwt')"));

        // No token without its audit event (it is queued before the token, so it commits with it or earlier).
        Assert.Equal("0", await ScalarAsync(connection,
            "SELECT COUNT(*) FROM tokens t WHERE NOT EXISTS (SELECT 1 FROM audit_events a " +
            "WHERE a.action = 'token.issued' AND a.detail LIKE '%jti=' || t.jti || ' %')"));

        // A revocation is answered after its audit event is committed.
        var revocationEvents = long.Parse(await ScalarAsync(connection, "SELECT COUNT(*) FROM audit_events WHERE action = 'token.revoked'"),
            CultureInfo.InvariantCulture);
        Assert.True(revocationEvents >= revocationsConfirmed, $"{revocationEvents} token.revoked events for {revocationsConfirmed} confirmed revocations.");
    }

    private static async Task<string> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    private static async Task<string?> TryIssueAsync(HttpClient http, (string Id, string Secret) client, ConcurrentBag<string> failures)
    {
        try
        {
            using var response = await ClientRequests.PostFormAsync(http, "connect/token", [("grant_type", "client_credentials")], client);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"token: {(int)response.StatusCode}");
                return null;
            }

            return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            failures.Add($"token: {e.GetType().Name}");
            return null;
        }
    }

    private static async Task<bool> TryRevokeAsync(HttpClient http, (string Id, string Secret) client, string token, ConcurrentBag<string> failures)
    {
        try
        {
            using var response = await ClientRequests.PostFormAsync(http, "connect/revoke", [("token", token)], client);
            await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            failures.Add($"revoke: {e.GetType().Name}");
            return false;
        }
    }

    private async Task<bool> IntrospectAsync(HttpClient http, string token)
    {
        using var response = await ClientRequests.PostFormAsync(http, "connect/introspect", [("token", token)], _gateway);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"introspection answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("active").GetBoolean();
    }


    /// <summary>The CLI against the test database; `import FILE` gets the JSON written to a file first.</summary>
    private static async Task<ChildProcessResult> RunCliAsync(Dictionary<string, string> environment, string? importJson, params string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("authserver-crash-cli-").FullName;
        try
        {
            if (importJson is not null)
            {
                var file = Path.Combine(folder, "crash.json");
                await File.WriteAllTextAsync(file, importJson);
                args = [.. args, file];
            }

            var result = await ChildProcess.RunAsync(AuthServerHost.StartInfo(args, environment, folder), CliTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string ImportJson() => JsonSerializer.Serialize(new
    {
        scopes = new[] { new { name = Scope } },
        apis = new[] { new { name = Api, scopes = new[] { Scope }, signingAlgorithm = "ES256" } },
        clients = new object[]
        {
            Client(_opaque, "opaque"),
            Client(_jwt, "jwt"),
            new { clientId = _gateway.Id, secret = new { value = _gateway.Secret }, introspectionApis = new[] { Api } },
        },
    });

    private static object Client((string Id, string Secret) client, string format) => new
    {
        clientId = client.Id, secret = new { value = client.Secret }, grantTypes = new[] { "client_credentials" },
        allowedScopes = new[] { Scope }, defaultScopes = new[] { Scope }, allowedApis = new[] { Api },
        accessTokenFormat = format, accessTokenLifetimeSeconds = 3600,
    };

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Issued(string Token, string ClientId);
}
