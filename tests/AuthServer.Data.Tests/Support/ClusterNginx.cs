using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>
/// deploy/nginx/authserver-cluster.conf running in a real nginx in front of the given nodes: the file is rendered
/// into a temp prefix folder, wrapped in a main configuration, and nginx (master and one worker) started on the given
/// loopback port. The same way tests/Shared/NginxGateway.cs runs the gateway recipe; as root the workers run as
/// www-data, as Debian's package runs them. Dispose stops nginx and deletes the folder.
/// </summary>
public sealed partial class ClusterNginx : IAsyncDisposable
{
    /// <summary>The recipe, relative to the repository root.</summary>
    public const string RecipePath = "deploy/nginx/authserver-cluster.conf";

    /// <summary>The passive health parameters docs/cluster.md gives every node's `server` line.</summary>
    public const string ServerParameters = "max_fails=2 fail_timeout=10s";

    private const string WorkerAccount = "www-data";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _nginx;
    private readonly string _root;
    private readonly string _mainConfig;
    private ChildProcess? _process;

    private ClusterNginx(string nginx, string root, string mainConfig, int port)
    {
        _nginx = nginx;
        _root = root;
        _mainConfig = mainConfig;
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

        var nginx = FindNginx();
        var recipe = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot(), RecipePath));
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

        var asRoot = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("authserver-cluster-nginx-").FullName;
        if (asRoot)
        {
            // The workers (www-data) write the proxy temp folders under the prefix: they must be able to pass through it.
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        File.WriteAllText(Path.Combine(root, "authserver-cluster.conf"), rendered);
        var mainConfig = Path.Combine(root, "nginx.conf");
        File.WriteAllText(mainConfig, MainConfig(root, asRoot));
        var proxy = new ClusterNginx(nginx, root, mainConfig, port);
        try
        {
            await proxy.StartCoreAsync(port);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public string ReadErrorLog()
    {
        var path = Path.Combine(_root, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no error log)";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            using (process)
            {
                if (!process.Exited.IsCompleted)
                {
                    await ChildProcess.RunAsync(Command("-s", "quit"), StopTimeout);
                    try
                    {
                        await process.WaitAsync(StopTimeout);
                    }
                    catch (TimeoutException)
                    {
                        // WaitAsync killed it.
                    }
                }
            }
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task StartCoreAsync(int port)
    {
        _process = ChildProcess.Start(Command("-g", "daemon off;"));
        var pidFile = Path.Combine(_root, "nginx.pid");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.Exited.IsCompleted)
            {
                var result = await _process.WaitAsync(StopTimeout);
                var log = ReadErrorLog();
                var why = $"nginx ({RecipePath}) did not start.\n{result}\n--- error.log ---\n{log}";
                throw log.Contains("Address already in use", StringComparison.Ordinal) ? new PortTakenException(why) : new InvalidOperationException(why);
            }

            // nginx writes its pid file after binding its port: until then the port may be someone else's.
            if (File.Exists(pidFile) && await AcceptsAsync(port))
            {
                return;
            }

            await Task.WhenAny(_process.Exited, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        throw new TimeoutException($"nginx did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:0}s.\n{ReadErrorLog()}");
    }

    private System.Diagnostics.ProcessStartInfo Command(params string[] extra) =>
        ChildProcess.StartInfo(_nginx, ["-p", _root + "/", "-c", _mainConfig, .. extra], _root);

    private static string MainConfig(string root, bool asRoot)
    {
        string P(string name) => Path.Combine(root, name);
        Directory.CreateDirectory(P("temp"));
        var builder = new StringBuilder();
        builder.AppendLine("# Written by ClusterNginx (tests/AuthServer.Data.Tests/Support/ClusterNginx.cs) for one test run.");
        if (asRoot)
        {
            builder.AppendLine($"user {WorkerAccount};");
        }

        builder.AppendLine($$"""
            master_process on;
            worker_processes 1;
            pid {{P("nginx.pid")}};
            lock_file {{P("nginx.lock")}};
            error_log {{P("error.log")}} notice;

            events {
                worker_connections 512;
            }

            http {
                access_log off;
                client_body_temp_path {{P("temp/client_body")}};
                proxy_temp_path {{P("temp/proxy")}};
                fastcgi_temp_path {{P("temp/fastcgi")}};
                uwsgi_temp_path {{P("temp/uwsgi")}};
                scgi_temp_path {{P("temp/scgi")}};

                include {{P("authserver-cluster.conf")}};
            }
            """);
        return builder.ToString();
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string FindNginx()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "nginx"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"The cluster tests need nginx, and it is not on PATH (PATH={path}) or in /usr/sbin. ./test.sh installs it " +
                "(Debian's nginx package: apt-get install nginx).");
    }

    [GeneratedRegex(@"\{\{([A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*(#\s*)?")]
    private static partial Regex LinePrefix();
}

/// <summary>A loopback port chosen as free was taken before the process bound it: start again on other ports.</summary>
public sealed class PortTakenException(string message) : Exception(message);
