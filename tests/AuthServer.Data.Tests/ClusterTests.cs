using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Xunit.Abstractions;

namespace AuthServer.Data.Tests;

/// <summary>
/// Three AuthServer processes on loopback ports, one PostgreSQL database, nginx in front (round robin): what one node
/// does, the others see; a key rotation due on all three at once happens once; kill -9 of a node under load loses no
/// token a client received, and the others keep serving. Every wait polls an observable condition with a deadline.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(AuthServerCluster cluster, ITestOutputHelper output) : IClassFixture<AuthServerCluster>
{
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(20);

    private ClusterNode A => cluster.Nodes[0];

    private ClusterNode B => cluster.Nodes[1];

    private ClusterNode C => cluster.Nodes[2];

    [Fact]
    public async Task OpaqueToken_IssuedOnOneNode_IsActiveOnTheOthers_AndRevokedOnAThirdIsInactiveEverywhereAtOnce()
    {
        var token = await IssueAsync(A.Http, cluster.OpaqueClient);
        Assert.False(token.StartsWith("eyJ", StringComparison.Ordinal), "The opaque client got a JWT.");

        foreach (var node in new[] { B, C })
        {
            var answer = await IntrospectAsync(node.Http, token);
            Assert.True(answer.GetProperty("active").GetBoolean(), $"Node {node.Name} does not know the token node A issued.");
            Assert.Equal(cluster.OpaqueClient.Id, answer.GetProperty("client_id").GetString());
            Assert.Equal(cluster.Issuer, answer.GetProperty("iss").GetString());
        }

        using (var revoked = await ClientRequests.PostFormAsync(C.Http, "connect/revoke", [("token", token)], cluster.OpaqueClient))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        // No waiting: token state is read from the database on every introspection, never cached by a node.
        Assert.False((await IntrospectAsync(A.Http, token)).GetProperty("active").GetBoolean(), "Node A still calls the revoked token active.");
        Assert.False((await IntrospectAsync(B.Http, token)).GetProperty("active").GetBoolean(), "Node B still calls the revoked token active.");
        using var viaNginx = ProxyClient();
        Assert.False((await IntrospectAsync(viaNginx, token)).GetProperty("active").GetBoolean(), "A node behind nginx still calls the revoked token active.");
    }

    [Fact]
    public async Task JwtAccessToken_IssuedOnOneNode_ValidatesOnTheOthers_WhichPublishOneJwks()
    {
        // The three nodes started together on an empty key table: one key per algorithm, not one per node.
        await using (var db = await cluster.OpenDatabaseAsync())
        {
            var created = await ClusterSql.CountAsync(db, "SELECT count(*) FROM audit_events WHERE action = 'key.create' AND detail LIKE '%state=active%'");
            var active = await ClusterSql.KeysPerAlgorithmAsync(db, "active");
            Assert.True(created == 2 && active.Count == 2 && active.Values.All(n => n == 1),
                $"Expected one active key per algorithm, made once.\n{await DescribeAsync(db)}");
        }

        var jwks = await IdenticalJwksAsync();
        var token = await IssueAsync(A.Http, cluster.JwtClient, ("resource", AuthServerCluster.Api));
        var kid = new JsonWebToken(token).Kid;
        Assert.Contains(kid, jwks.Keys.Select(k => k.Kid));

        foreach (var node in new[] { B, C })
        {
            var answer = await IntrospectAsync(node.Http, token);
            Assert.True(answer.GetProperty("active").GetBoolean(), $"Node {node.Name} does not accept the JWT node A signed.");

            // And an API that validates locally accepts it with the keys this node publishes.
            var nodeJwks = new JsonWebKeySet(await node.Http.GetStringAsync(".well-known/jwks.json"));
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = cluster.Issuer,
                ValidAudience = AuthServerCluster.Api,
                ValidTypes = ["at+jwt"],
                IssuerSigningKeys = nodeJwks.GetSigningKeys(),
            });
            Assert.True(result.IsValid, $"The JWT does not validate with node {node.Name}'s JWKS: {result.Exception?.Message}");
        }
    }

    [Fact]
    public async Task ScheduledRotation_DueOnAllThreeNodesAtOnce_MakesExactlyOneNewKeyPerAlgorithm()
    {
        await using var db = await cluster.OpenDatabaseAsync();
        Assert.Empty(await ClusterSql.KeysPerAlgorithmAsync(db, "pending"));
        var activeBefore = await ClusterSql.KidsAsync(db, "active");

        // Hold the key lock, then age the active keys past ActiveLifetime - PublishAhead (90 - 7 days): the next key is
        // due. Every node's refresh (each second) sees it and queues on the lock; once all three wait, let them go.
        await ClusterSql.ExecuteAsync(db, $"SELECT pg_advisory_lock({AuthServerCluster.SigningKeyLockKey})");
        bool allWaited;
        try
        {
            await ClusterSql.ExecuteAsync(db,
                "UPDATE signing_keys SET created_at = created_at - interval '84 days', activated_at = activated_at - interval '84 days' " +
                "WHERE state = 'active'");
            allWaited = await PollAsync(async () => await ClusterSql.KeyLockWaitersAsync(db) >= 3, ConvergeTimeout);
        }
        finally
        {
            await ClusterSql.ExecuteAsync(db, $"SELECT pg_advisory_unlock({AuthServerCluster.SigningKeyLockKey})");
        }

        Assert.True(allWaited, $"Not all three nodes were seen waiting for the signing-key lock within {ConvergeTimeout.TotalSeconds:0}s.\n" +
                               await DescribeAsync(db));

        // Each node, after the others: finds the new key made and makes none. Then every node publishes it.
        Assert.True(await PollAsync(async () => await ClusterSql.KeyLockWaitersAsync(db) == 0, ConvergeTimeout), "The nodes still queue on the key lock.");
        var pending = await ClusterSql.KidsAsync(db, "pending");
        var jwks = await IdenticalJwksAsync(pending);

        var state = await DescribeAsync(db);
        Assert.True(new Dictionary<string, long> { ["ES256"] = 1, ["RS256"] = 1 }.SequenceEqual(
            (await ClusterSql.KeysPerAlgorithmAsync(db, "pending")).OrderBy(p => p.Key)), $"Expected one pending key per algorithm.\n{state}");
        Assert.True(2 == await ClusterSql.CountAsync(db,
            "SELECT count(*) FROM audit_events WHERE action = 'key.create' AND detail LIKE '%reason=schedule%state=pending%'"),
            $"Expected two scheduled creations.\n{state}");
        Assert.Equal(activeBefore, await ClusterSql.KidsAsync(db, "active"));
        Assert.Equal(4, await ClusterSql.CountAsync(db, "SELECT count(*) FROM signing_keys"));
        Assert.Subset(jwks.Keys.Select(k => k.Kid).ToHashSet(), pending.Concat(activeBefore).ToHashSet());
        output.WriteLine($"One rotation for three nodes: pending keys {string.Join(", ", pending)}; JWKS identical on A, B and C.");
    }

    [Fact]
    public async Task KillDashNine_OfOneNodeUnderLoad_LosesNoTokenAClientReceived_AndTheOthersKeepServing()
    {
        // Warm-up (JIT, connection pools; not counted in the figures), 2 s before the kill, 4 s after.
        var warmUp = TimeSpan.FromSeconds(3);
        var killAfter = warmUp + TimeSpan.FromSeconds(2);
        var duration = killAfter + TimeSpan.FromSeconds(4);
        var settle = TimeSpan.FromSeconds(1);
        const int workers = 4;

        var results = new ConcurrentBag<Outcome>();
        using var http = ProxyClient(workers);
        var clock = Stopwatch.StartNew();
        var load = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                results.Add(await IssueOnceAsync(http, cluster.OpaqueClient, clock));
            }
        })).ToList();

        TimeSpan killedAt;
        List<string> issued;
        ConcurrentBag<string> inactive = [];
        try
        {
            await Task.Delay(killAfter);
            killedAt = clock.Elapsed;
            await C.KillAsync();
            await Task.WhenAll(load);

            // Every token a client received is in the database: introspected through a node that stayed up.
            issued = results.Where(r => r.Token is not null).Select(r => r.Token!).ToList();
            await Parallel.ForEachAsync(issued, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (token, _) =>
            {
                if (!(await IntrospectAsync(A.Http, token)).GetProperty("active").GetBoolean())
                {
                    inactive.Add(token);
                }
            });
        }
        finally
        {
            await Task.WhenAll(load.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

            // The killed node comes back on its port (and the other tests find three nodes).
            if (!C.IsRunning)
            {
                await C.StartAsync();
            }
        }

        var before = Window("before the kill", results.Where(r => r.CompletedAt >= warmUp && r.CompletedAt < killedAt), killedAt - warmUp);
        var during = Window($"first {settle.TotalSeconds:0}s after", results.Where(r => r.CompletedAt >= killedAt && r.CompletedAt < killedAt + settle), settle);
        var after = Window("after that", results.Where(r => r.CompletedAt >= killedAt + settle), duration - killedAt - settle);
        output.WriteLine($"Load: {workers} concurrent clients, POST /connect/token (client_credentials, opaque) through nginx for " +
                         $"{duration.TotalSeconds:0.0}s (the first {warmUp.TotalSeconds:0.0}s not counted); node C killed with SIGKILL at " +
                         $"{killedAt.TotalSeconds:0.0}s.");
        foreach (var window in new[] { before, during, after })
        {
            output.WriteLine(window.ToString());
        }

        output.WriteLine($"Tokens returned to clients: {issued.Count}; introspected on node A: {issued.Count - inactive.Count} active, {inactive.Count} not.");
        WriteUpstreamErrors();

        Assert.Empty(inactive);
        Assert.True(before.Succeeded > 0 && before.Failed == 0, $"Before the kill every request should succeed: {before}");
        Assert.True(after.Succeeded > 0, $"After the kill the surviving nodes should keep serving: {after}");
        Assert.True(after.Failed == 0, $"Once nginx has seen the node gone, no request should fail: {after}");

        // The only failures allowed: requests node C held when it died, answered 502 (or 504) by nginx, which does not
        // send a POST to another node once it has sent it (deploy/nginx/authserver-cluster.conf).
        Assert.All(results.Where(r => r.Token is null), r =>
            Assert.True(r.Failure is "502" or "504" && r.CompletedAt >= killedAt, $"Unexpected failure at {r.CompletedAt.TotalSeconds:0.00}s: {r.Failure}"));

        // The restarted node knows the tokens the others issued while it was down.
        foreach (var token in results.Where(r => r.Token is not null && r.CompletedAt >= killedAt + settle).Select(r => r.Token!).Take(20))
        {
            Assert.True((await IntrospectAsync(C.Http, token)).GetProperty("active").GetBoolean(), "Restarted node C does not know a token issued while it was down.");
        }
    }

    /// <summary>What nginx logged about the nodes (for the test log: which failures the kill caused).</summary>
    private void WriteUpstreamErrors()
    {
        var lines = cluster.Proxy.ReadErrorLog().Split('\n').Where(l => l.Contains("upstream", StringComparison.Ordinal)).ToList();
        output.WriteLine($"nginx's error log: {lines.Count} lines about upstreams{(lines.Count > 0 ? ", e.g.:" : ".")}");
        foreach (var line in lines.Take(6))
        {
            // Without the timestamp and pid: "[error] 12#12: *345 recv() failed ...".
            output.WriteLine("  " + line[(line.IndexOf('[', StringComparison.Ordinal) is var i and >= 0 ? i : 0)..]);
        }
    }

    private static async Task<Outcome> IssueOnceAsync(HttpClient http, (string Id, string Secret) client, Stopwatch clock)
    {
        try
        {
            using var response = await ClientRequests.PostFormAsync(http, "connect/token", [("grant_type", "client_credentials")], client);
            var body = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK
                ? new Outcome(clock.Elapsed, JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString(), null)
                : new Outcome(clock.Elapsed, null, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Outcome(clock.Elapsed, null, e.GetType().Name + ": " + e.Message);
        }
    }

    private static WindowStats Window(string name, IEnumerable<Outcome> outcomes, TimeSpan span)
    {
        var list = outcomes.ToList();
        var failures = list.Where(o => o.Token is null).GroupBy(o => o.Failure!).ToDictionary(g => g.Key, g => g.Count());
        return new WindowStats(name, list.Count(o => o.Token is not null), list.Count(o => o.Token is null), span, failures);
    }

    private HttpClient ProxyClient(int connections = 2)
    {
        return new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
        {
            BaseAddress = cluster.Proxy.BaseAddress,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    private async Task<string> IssueAsync(HttpClient http, (string Id, string Secret) client, params (string Name, string Value)[] extra)
    {
        using var response = await ClientRequests.PostFormAsync(http, "connect/token", [("grant_type", "client_credentials"), .. extra], client);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<JsonElement> IntrospectAsync(HttpClient http, string token)
    {
        using var response = await ClientRequests.PostFormAsync(http, "connect/introspect", [("token", token)], cluster.Gateway);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{http.BaseAddress}: introspection answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }


    /// <summary>Polls every node's JWKS until all three are byte-identical (and hold <paramref name="kids"/>); returns it.</summary>
    private async Task<JsonWebKeySet> IdenticalJwksAsync(IReadOnlyCollection<string>? kids = null)
    {
        string[] bodies = [];
        var same = await PollAsync(async () =>
        {
            bodies = await Task.WhenAll(cluster.Nodes.Select(n => n.Http.GetStringAsync(".well-known/jwks.json")));
            return bodies.Distinct(StringComparer.Ordinal).Count() == 1
                   && (kids ?? []).All(kid => new JsonWebKeySet(bodies[0]).Keys.Any(k => k.Kid == kid));
        }, ConvergeTimeout);
        Assert.True(same, $"The nodes' JWKS did not converge within {ConvergeTimeout.TotalSeconds:0}s:\n{string.Join("\n", bodies)}");
        return new JsonWebKeySet(bodies[0]);
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        return await condition();
    }

    /// <summary>For a failing test's message: the nodes, the signing keys and the key audit trail.</summary>
    private async Task<string> DescribeAsync(NpgsqlConnection db)
    {
        var text = new StringBuilder();
        foreach (var node in cluster.Nodes)
        {
            text.AppendLine(await node.DescribeAsync());
        }

        foreach (var sql in new[]
        {
            "SELECT kid || ' ' || algorithm || ' ' || state || ' created ' || created_at || ' activated ' || coalesce(activated_at::text, '-') FROM signing_keys ORDER BY created_at",
            "SELECT action || ' ' || coalesce(target, '') || ' ' || coalesce(detail, '') FROM audit_events WHERE action LIKE 'key.%' ORDER BY id",
        })
        {
            await using var command = new NpgsqlCommand(sql, db);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }
        }

        return text.ToString();
    }

    /// <summary>One request of the load: when it completed, and the token, or why there was none.</summary>
    private sealed record Outcome(TimeSpan CompletedAt, string? Token, string? Failure);

    private sealed record WindowStats(string Name, int Succeeded, int Failed, TimeSpan Span, IReadOnlyDictionary<string, int> Failures)
    {
        public override string ToString() =>
            $"{Name,-20} {Span.TotalSeconds,4:0.0}s: {Succeeded,6} tokens ({Succeeded / Math.Max(Span.TotalSeconds, 0.001),7:0} req/s), " +
            $"{Failed} errors{(Failures.Count == 0 ? "" : " (" + string.Join(", ", Failures.Select(f => $"{f.Key}: {f.Value}")) + ")")}";
    }
}
