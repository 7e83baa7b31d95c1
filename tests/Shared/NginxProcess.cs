using System.Text;

namespace AuthServer.Testing;

/// <summary>nginx could not start; <see cref="AddressInUse"/> when its port was taken in the meantime.</summary>
public sealed class NginxStartException(string message, bool addressInUse) : InvalidOperationException(message)
{
    public bool AddressInUse { get; } = addressInUse;
}

/// <summary>
/// One real nginx (master and one worker) in a prefix folder: a main configuration that includes one site file, run
/// as a child process until disposed. As root the workers run as www-data, as Debian's package runs them; otherwise
/// nginx runs as the current user. The fixtures that render deploy/nginx/ recipes own the folder and the site file.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    /// <summary>The account the workers run as when the tests run as root.</summary>
    public const string WorkerAccount = "www-data";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _nginx;
    private readonly string _root;
    private readonly string _mainConfig;
    private ChildProcess? _process;

    private NginxProcess(string nginx, string root, string mainConfig)
    {
        _nginx = nginx;
        _root = root;
        _mainConfig = mainConfig;
    }

    public static bool AsRoot => Environment.UserName == "root";

    /// <summary>
    /// A new prefix folder. As root the workers must pass through it (to the temp and cache folders inside) without
    /// reading it.
    /// </summary>
    public static string CreatePrefix(string name)
    {
        var root = Directory.CreateTempSubdirectory(name).FullName;
        if (AsRoot && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return root;
    }

    /// <summary>
    /// Writes the main configuration around <paramref name="siteFile"/> (already in <paramref name="root"/>), starts
    /// nginx and returns once it has written its pid file and 127.0.0.1:<paramref name="port"/> accepts connections.
    /// </summary>
    /// <exception cref="NginxStartException">nginx exited or never accepted connections; it is stopped.</exception>
    public static async Task<NginxProcess> StartAsync(string root, string siteFile, int port, int workerConnections, bool accessLog, string who)
    {
        var mainConfig = Path.Combine(root, "nginx.conf");
        File.WriteAllText(mainConfig, MainConfig(root, siteFile, workerConnections, accessLog, who));
        var nginx = new NginxProcess(FindNginx(who), root, mainConfig);
        nginx._process = ChildProcess.Start(nginx.Command("-g", "daemon off;"));
        var pidFile = Path.Combine(root, "nginx.pid");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (nginx._process.Exited.IsCompleted)
            {
                var result = await nginx._process.WaitAsync(StopTimeout);
                nginx._process.Dispose();
                nginx._process = null;
                var log = nginx.ReadErrorLog();
                throw new NginxStartException($"nginx ({who}) did not start.\n{result}\n--- error.log ---\n{log}",
                    log.Contains("Address already in use", StringComparison.Ordinal));
            }

            // nginx writes its pid file after it has bound its ports: until then the port may be someone else's.
            if (File.Exists(pidFile) && await Loopback.AcceptsAsync(port))
            {
                AppDomain.CurrentDomain.ProcessExit += nginx.KillOnExit;
                return nginx;
            }

            await Task.WhenAny(nginx._process.Exited, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        await nginx.DisposeAsync();
        throw new NginxStartException(
            $"nginx ({who}) did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:0}s.\n--- error.log ---\n{ReadErrorLog(root)}",
            addressInUse: false);
    }

    /// <summary>nginx's error log so far (for a failing test's message).</summary>
    public string ReadErrorLog() => ReadErrorLog(_root);

    /// <summary>Graceful stop (`nginx -s quit`, SIGQUIT to the master); the process tree is killed if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        if (_process is not { } process)
        {
            return;
        }

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
                    // WaitAsync killed the tree; nothing is left running.
                }
            }
        }
    }

    private static string ReadErrorLog(string root)
    {
        var path = Path.Combine(root, "error.log");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "(no error log)";
        }
        catch (IOException e)
        {
            return $"(cannot read the error log: {e.Message})";
        }
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        // Last resort when the test host exits without disposing: do not leave nginx behind.
        _process?.Dispose();
    }

    private System.Diagnostics.ProcessStartInfo Command(params string[] extra) =>
        ChildProcess.StartInfo(_nginx, ["-p", _root + "/", "-c", _mainConfig, .. extra], _root);

    private static string MainConfig(string root, string siteFile, int workerConnections, bool accessLog, string who)
    {
        string P(string name) => Path.Combine(root, name);
        Directory.CreateDirectory(P("temp"));
        var builder = new StringBuilder();
        builder.AppendLine($"# Written by NginxProcess (tests/Shared/NginxProcess.cs) for {who}, for one test run.");
        if (AsRoot)
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
                worker_connections {{workerConnections}};
            }

            http {
                access_log {{(accessLog ? P("access.log") : "off")}};
                client_body_temp_path {{P("temp/client_body")}};
                proxy_temp_path {{P("temp/proxy")}};
                fastcgi_temp_path {{P("temp/fastcgi")}};
                uwsgi_temp_path {{P("temp/uwsgi")}};
                scgi_temp_path {{P("temp/scgi")}};

                include {{P(siteFile)}};
            }
            """);
        return builder.ToString();
    }

    private static string FindNginx(string who)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "nginx"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"The {who} tests need nginx, and it is not on PATH (PATH={path}) or in /usr/sbin. ./test.sh installs it " +
                "(Debian's nginx package: apt-get install nginx).");
    }
}
