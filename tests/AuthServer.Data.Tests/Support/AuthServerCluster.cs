using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Testing;
using Npgsql;

namespace AuthServer.Data.Tests.Support;

/// <summary>
/// Three AuthServer nodes on one throwaway PostgreSQL database behind nginx (deploy/nginx/authserver-cluster.conf),
/// set up as docs/cluster.md tells an operator to: one master key for all (AuthServer__MasterKey), one issuer (the
/// nginx URL), each node on its own port with its own folders, the clients imported once with the CLI. The signing
/// keys are reloaded every second, so the tests see the key schedule act within a bounded, short time.
/// </summary>
public sealed class AuthServerCluster(PostgresCluster postgres) : IAsyncLifetime
{
    public const string Api = "https://api.cluster.test/orders";
    public const string Scope = "orders.read";

    /// <summary>SigningKeyStore's pg_advisory_xact_lock key: the lock every signing-key change is made under.</summary>
    public const long SigningKeyLockKey = 0x4155_5448_4B45_5953;

    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(120);

    private readonly List<ClusterNode> _nodes = [];
    private ClusterNginx? _proxy;
    private string? _connectionString;

    public (string Id, string Secret) OpaqueClient { get; } = ("cluster-opaque", NewSecret());

    public (string Id, string Secret) JwtClient { get; } = ("cluster-jwt", NewSecret());

    public (string Id, string Secret) Gateway { get; } = ("cluster-gateway", NewSecret());

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>nginx, in front of every node: the issuer.</summary>
    public ClusterNginx Proxy => _proxy ?? throw new InvalidOperationException("The cluster is not started.");

    public string Issuer => Proxy.BaseAddress.GetLeftPart(UriPartial.Authority);

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The cluster is not started.");

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("cluster_" + Guid.NewGuid().ToString("N"));
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await ImportAsync(masterKey);

        // Ports are probed free and then bound by other processes: if one was taken meanwhile, start again on others.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync(masterKey);
                return;
            }
            catch (PortTakenException) when (attempt < attempts)
            {
                await StopAsync();
            }
            catch
            {
                await StopAsync();
                throw;
            }
        }
    }

    public Task DisposeAsync() => StopAsync();

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task StartAsync(string masterKey)
    {
        var ports = Loopback.FreePorts(4);
        var issuer = $"http://127.0.0.1:{ports[0]}";
        var environment = new Dictionary<string, string>
        {
            ["AuthServer__Database__Provider"] = "PostgreSql",
            ["AuthServer__Database__ConnectionString"] = ConnectionString,
            ["AuthServer__MasterKey"] = masterKey,
            ["AuthServer__Issuer"] = issuer,
            ["AuthServer__Caches__KeyRefreshInterval"] = "00:00:01",
            // docs/cluster.md: the nodes believe nginx's X-Forwarded-For and X-Forwarded-Proto, and nginx only. There is
            // no TLS on loopback here, so plain HTTP, which a node then serves to loopback callers only.
            ["AuthServer__Http__TrustedProxies__0"] = "127.0.0.1",
            ["AuthServer__Http__RequireHttps"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, port) in new[] { "A", "B", "C" }.Zip(ports.Skip(1)))
        {
            _nodes.Add(new ClusterNode(name, port, environment));
        }

        // All three at once: they migrate and make the first signing keys together, as nodes of a fresh deploy do.
        await Task.WhenAll(_nodes.Select(n => n.StartAsync()));
        _proxy = await ClusterNginx.StartAsync(ports[0], _nodes.Select(n => n.EndPoint).ToList());
    }

    private async Task StopAsync()
    {
        if (_proxy is { } proxy)
        {
            _proxy = null;
            await proxy.DisposeAsync();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }

    /// <summary>`authserver import` of a file with an opaque-token client, a JWT client and a gateway (migrates first).</summary>
    private async Task ImportAsync(string masterKey)
    {
        var folder = Directory.CreateTempSubdirectory("authserver-cluster-import-").FullName;
        try
        {
            var file = Path.Combine(folder, "cluster.json");
            await File.WriteAllTextAsync(file, ImportJson());
            var environment = new Dictionary<string, string>
            {
                ["AuthServer__Database__Provider"] = "PostgreSql",
                ["AuthServer__Database__ConnectionString"] = ConnectionString,
                ["AuthServer__MasterKey"] = masterKey,
            };
            var result = await ChildProcess.RunAsync(AuthServerHost.StartInfo(["import", file], environment, folder), CliTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string ImportJson() => JsonSerializer.Serialize(new
    {
        scopes = new[] { new { name = Scope, description = "Read orders" } },
        apis = new[] { new { name = Api, displayName = "Orders API", scopes = new[] { Scope }, signingAlgorithm = "ES256" } },
        clients = new object[]
        {
            new
            {
                clientId = OpaqueClient.Id, displayName = "Cluster test: opaque tokens", secret = new { value = OpaqueClient.Secret },
                grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { Scope }, defaultScopes = new[] { Scope },
                allowedApis = new[] { Api }, accessTokenFormat = "opaque", accessTokenLifetimeSeconds = 3600,
            },
            new
            {
                clientId = JwtClient.Id, displayName = "Cluster test: JWT access tokens", secret = new { value = JwtClient.Secret },
                grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { Scope }, defaultScopes = new[] { Scope },
                allowedApis = new[] { Api }, accessTokenFormat = "jwt", accessTokenLifetimeSeconds = 3600,
            },
            new
            {
                clientId = Gateway.Id, displayName = "Cluster test: gateway", secret = new { value = Gateway.Secret },
                introspectionApis = new[] { Api },
            },
        },
    });

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
