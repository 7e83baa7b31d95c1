using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace AuthServer.Testing;

/// <summary>
/// The gateway recipe, deploy/nginx/authserver-gateway.conf, running in a real nginx: the file is rendered with
/// its placeholders into a temp prefix folder, wrapped in a main configuration, and nginx (master and one worker)
/// is started on a free loopback port. Dispose stops it and deletes the folder.
/// </summary>
/// <remarks>
/// As root, the workers run as www-data (the account Debian's package runs them as) and own the private cache
/// folder, mode 0700, as docs/gateway.md tells a deployer to set it up; otherwise nginx runs as the current user.
/// </remarks>
public sealed partial class NginxGateway : IAsyncDisposable, IDisposable
{
    /// <summary>The file the recipe lives in, relative to the repository root.</summary>
    public const string RecipePath = "deploy/nginx/authserver-gateway.conf";

    /// <summary>The account the workers run as when the tests run as root.</summary>
    private const string WorkerAccount = "www-data";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);

    private readonly string _nginx;
    private readonly string _root;
    private readonly string _mainConfig;
    private ChildProcess? _process;

    private NginxGateway(string nginx, string root, string mainConfig, int port)
    {
        _nginx = nginx;
        _root = root;
        _mainConfig = mainConfig;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Where clients reach the gateway: http://127.0.0.1:port/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The prefix folder: configuration, logs, temp folders and the cache (deleted on dispose).</summary>
    public string RootDirectory => _root;

    /// <summary>
    /// Renders the recipe and starts nginx; returns once its port accepts connections.
    /// </summary>
    /// <param name="authServer">AuthServer's base URL ({{AUTHSERVER_URL}}); a path is kept, a trailing slash dropped.</param>
    /// <param name="api">The API's origin ({{API_URL}}): no path, as nginx passes the request URI on unchanged.</param>
    /// <param name="clientId">The gateway's client id; with <paramref name="clientSecret"/> it becomes {{GATEWAY_BASIC}}.</param>
    /// <param name="clientSecret">The gateway's client secret.</param>
    /// <param name="placeholders">More placeholders (name without braces → value); they also override the ones above.</param>
    public static async Task<NginxGateway> StartAsync(
        Uri authServer, Uri api, string clientId, string clientSecret, IReadOnlyDictionary<string, string>? placeholders = null)
    {
        ArgumentNullException.ThrowIfNull(authServer);
        ArgumentNullException.ThrowIfNull(api);
        if (api.AbsolutePath != "/" || api.Query.Length > 0)
        {
            throw new ArgumentException($"The API URL must be an origin without a path, not {api}: nginx passes the request URI on unchanged.", nameof(api));
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The nginx gateway runs on Linux (Debian's nginx package).");
        }

        var nginx = FindNginx();
        var recipe = File.ReadAllText(Path.Combine(FindRepositoryRoot(), RecipePath));
        var asRoot = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("authserver-nginx-").FullName;
        try
        {
            if (asRoot)
            {
                // The workers must reach the cache folder through the prefix folder, without reading it.
                File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }

            // A free port can be taken between our probe and nginx binding it: then try another.
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                // A fresh cache folder each time: a failed start leaves its unix socket behind.
                var cache = Path.Combine(root, $"gateway-{attempt}");
                await CreatePrivateFolderAsync(cache, asRoot);
                var port = FreeLoopbackPort();
                var values = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["LISTEN"] = $"127.0.0.1:{port}",
                    ["AUTHSERVER_URL"] = authServer.AbsoluteUri.TrimEnd('/'),
                    ["API_URL"] = api.GetLeftPart(UriPartial.Authority),
                    ["GATEWAY_BASIC"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(
                        $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")),
                    ["CACHE_DIR"] = cache,
                };
                foreach (var (name, value) in placeholders ?? new Dictionary<string, string>())
                {
                    values[name] = value;
                }

                File.WriteAllText(Path.Combine(root, "authserver-gateway.conf"), Render(recipe, values));
                var mainConfig = Path.Combine(root, "nginx.conf");
                File.WriteAllText(mainConfig, MainConfig(root, asRoot));

                var gateway = new NginxGateway(nginx, root, mainConfig, port);
                var started = await gateway.TryStartAsync(port);
                if (started is null)
                {
                    AppDomain.CurrentDomain.ProcessExit += gateway.KillOnExit;
                    return gateway;
                }

                if (attempt < attempts && started.Contains("Address already in use", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new InvalidOperationException($"The test nginx gateway did not start.\n{started}");
            }
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>nginx's error log so far (for a failing test's message).</summary>
    public string ReadErrorLog()
    {
        var path = Path.Combine(_root, "error.log");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "(no error log)";
        }
        catch (IOException e)
        {
            return $"(cannot read the error log: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        try
        {
            if (_process is { } process)
            {
                _process = null;
                await StopAsync(process);
            }
        }
        finally
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Starts nginx and waits for it: null once it serves, else why it did not (it is then stopped).</summary>
    private async Task<string?> TryStartAsync(int port)
    {
        _process = ChildProcess.Start(ChildProcess.StartInfo(_nginx, ["-p", _root + "/", "-c", _mainConfig, "-g", "daemon off;"], _root));
        var pidFile = Path.Combine(_root, "nginx.pid");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.Exited.IsCompleted)
            {
                var result = await _process.WaitAsync(StopTimeout);
                _process.Dispose();
                _process = null;
                return $"{result}\n--- error.log ---\n{ReadErrorLog()}";
            }

            // nginx writes its pid file after it has bound its ports: until then the port may be someone else's.
            if (File.Exists(pidFile) && await AcceptsAsync(port))
            {
                return null;
            }

            await Task.WhenAny(_process.Exited, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        var process = _process;
        _process = null;
        await StopAsync(process);
        return $"nginx did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:0}s.\n--- error.log ---\n{ReadErrorLog()}";
    }

    /// <summary>Graceful stop (`nginx -s quit`, SIGQUIT to the master), then the process tree is killed if it lingers.</summary>
    private async Task StopAsync(ChildProcess process)
    {
        using (process)
        {
            if (!process.Exited.IsCompleted)
            {
                await ChildProcess.RunAsync(ChildProcess.StartInfo(_nginx, ["-p", _root + "/", "-c", _mainConfig, "-s", "quit"], _root), StopTimeout);
                try
                {
                    await process.WaitAsync(StopTimeout);
                }
                catch (TimeoutException)
                {
                    // WaitAsync killed the tree; nothing is left running.
                }
            }
        }
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        // Last resort when the test host exits without disposing: do not leave nginx behind.
        _process?.Dispose();
    }

    /// <summary>Mode 0700, owned by the account the workers run as: the recipe's {{CACHE_DIR}}.</summary>
    [UnsupportedOSPlatform("windows")]
    private static async Task CreatePrivateFolderAsync(string path, bool asRoot)
    {
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (asRoot)
        {
            var chown = await ChildProcess.RunAsync(ChildProcess.StartInfo("chown", [WorkerAccount + ":", path]), ToolTimeout);
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"As root the gateway's nginx workers run as '{WorkerAccount}' (the account Debian's base system has for " +
                    $"them), and the cache folder could not be given to it.\n{chown}");
            }
        }
    }

    private static string MainConfig(string root, bool asRoot)
    {
        string P(string name) => Path.Combine(root, name);
        var builder = new StringBuilder();
        builder.AppendLine("# Written by NginxGateway (tests/Shared/NginxGateway.cs) for one test run.");
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
                worker_connections 256;
            }

            http {
                access_log {{P("access.log")}};
                client_body_temp_path {{P("temp/client_body")}};
                proxy_temp_path {{P("temp/proxy")}};
                fastcgi_temp_path {{P("temp/fastcgi")}};
                uwsgi_temp_path {{P("temp/uwsgi")}};
                scgi_temp_path {{P("temp/scgi")}};

                include {{P("authserver-gateway.conf")}};
            }
            """);
        Directory.CreateDirectory(P("temp"));
        return builder.ToString();
    }

    /// <summary>Replaces every {{NAME}}; a placeholder left without a value, or a value that could end a directive, is an error.</summary>
    private static string Render(string recipe, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (name, value) in values)
        {
            if (value.Any(c => char.IsControl(c) || c is ';' or '{' or '}' or '"' or '\'' or '#'))
            {
                throw new ArgumentException($"The value of {{{{{name}}}}} would change the configuration's syntax: '{value}'.");
            }
        }

        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var rendered = Placeholder().Replace(recipe, m =>
        {
            if (values.TryGetValue(m.Groups[1].Value, out var value))
            {
                return value;
            }

            missing.Add(m.Groups[1].Value);
            return m.Value;
        });
        return missing.Count == 0
            ? rendered
            : throw new InvalidOperationException($"{RecipePath} has placeholders without a value: {string.Join(", ", missing)}.");
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

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AuthServer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No AuthServer.sln above {AppContext.BaseDirectory}: cannot find {RecipePath}.");
    }

    private static string FindNginx()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var folders = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        foreach (var folder in folders)
        {
            var candidate = Path.Combine(folder, "nginx");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The gateway tests need nginx, and it is not on PATH (PATH={path}) or in /usr/sbin. ./test.sh installs it " +
            "(Debian's nginx package: apt-get install nginx).");
    }

    [GeneratedRegex(@"\{\{([A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();
}
