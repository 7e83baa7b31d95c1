using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>
/// deploy/nginx/authserver-cluster.conf running in a real nginx in front of the given nodes: the file is rendered
/// into a temp prefix folder, wrapped in a main configuration, and nginx (master and one worker) started on the given
/// loopback port by <see cref="NginxProcess"/>, as the gateway recipe is. Dispose stops nginx and deletes the folder.
/// </summary>
public sealed partial class ClusterNginx : IAsyncDisposable
{
    /// <summary>The recipe, relative to the repository root.</summary>
    public const string RecipePath = "deploy/nginx/authserver-cluster.conf";

    /// <summary>The passive health parameters docs/cluster.md gives every node's `server` line.</summary>
    public const string ServerParameters = "max_fails=2 fail_timeout=10s";

    private const string SiteFile = "authserver-cluster.conf";

    private readonly string _root;
    private readonly NginxProcess _nginx;

    private ClusterNginx(string root, NginxProcess nginx, int port)
    {
        _root = root;
        _nginx = nginx;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Starts nginx on 127.0.0.1:<paramref name="port"/> in front of <paramref name="nodes"/> and returns once the port
    /// accepts connections. Throws <see cref="PortTakenException"/> when the port was taken meanwhile.
    /// </summary>
    public static async Task<ClusterNginx> StartAsync(int port, IReadOnlyList<IPEndPoint> nodes)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The cluster tests run nginx on Linux (Debian's nginx package).");
        }

        var recipe = File.ReadAllText(Path.Combine(Loopback.RepositoryRoot(), RecipePath));
        var values = new Dictionary<string, string[]>
        {
            ["LISTEN"] = [$"127.0.0.1:{port}"],
            ["UPSTREAM_SERVERS"] = nodes.Select(n => $"server {n} {ServerParameters};").ToArray(),
        };
        var rendered = string.Join('\n', recipe.Split('\n').Select(line => Placeholder().Replace(line, m =>
        {
            var lines = values.TryGetValue(m.Groups[1].Value, out var value)
                ? value
                : throw new InvalidOperationException($"{RecipePath} has a placeholder the test does not know: {m.Value}.");

            // Lines after the first start as the placeholder's line does (its indent, and its '#' in a comment).
            return string.Join("\n" + LinePrefix().Match(line).Value, lines);
        })));

        var root = NginxProcess.CreatePrefix("authserver-cluster-nginx-");
        File.WriteAllText(Path.Combine(root, SiteFile), rendered);
        try
        {
            var nginx = await NginxProcess.StartAsync(root, SiteFile, port, workerConnections: 512, accessLog: false, "cluster");
            return new ClusterNginx(root, nginx, port);
        }
        catch (NginxStartException e)
        {
            Directory.Delete(root, recursive: true);
            throw e.AddressInUse ? new PortTakenException(e.Message) : e;
        }
    }

    public string ReadErrorLog() => _nginx.ReadErrorLog();

    public async ValueTask DisposeAsync()
    {
        await _nginx.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [GeneratedRegex(@"\{\{([A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*(#\s*)?")]
    private static partial Regex LinePrefix();
}

/// <summary>A loopback port chosen as free was taken before the process bound it: start again on other ports.</summary>
public sealed class PortTakenException(string message) : Exception(message);
