using System.Diagnostics;
using System.Net;
using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>
/// One AuthServer node: the built AuthServer.dll as a child process on its own loopback port, its own working and keys
/// folder, and the configuration every node of the cluster shares (database, master key, issuer). Started like
/// bench/run.sh starts a server: then discovery is polled until it answers, within a bounded time.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _folder;
    private ChildProcess? _process;

    /// <param name="name">For messages: "A", "B", ...</param>
    /// <param name="port">The loopback port it listens on (kept across restarts).</param>
    /// <param name="environment">The configuration shared by every node; the node adds its own URL and folders.</param>
    public ClusterNode(string name, int port, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _folder = Directory.CreateTempSubdirectory($"authserver-node-{name}-").FullName;
        _environment = new Dictionary<string, string>(environment)
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["AuthServer__KeysDirectory"] = Path.Combine(_folder, "keys"),
        };
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public Uri BaseAddress { get; }

    /// <summary>Talks to this node directly (not through nginx).</summary>
    public HttpClient Http { get; }

    public bool IsRunning => _process is { Exited.IsCompleted: false };

    /// <summary>For a failing test's message: "running", or how the process ended and what it printed.</summary>
    public async Task<string> DescribeAsync()
    {
        if (_process is not { } process)
        {
            return $"Node {Name}: not started.";
        }

        if (!process.Exited.IsCompleted)
        {
            return $"Node {Name} ({BaseAddress}): running.";
        }

        return $"Node {Name} ({BaseAddress}): {await process.WaitAsync(ExitTimeout)}";
    }

    /// <summary>Starts the process and waits until discovery answers 200. Throws <see cref="PortTakenException"/> if the port was taken.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Node {Name} is already running.");
        }

        _process?.Dispose();
        _process = ChildProcess.Start(AuthServerHost.StartInfo([], _environment, _folder));
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.Exited.IsCompleted)
            {
                var result = await _process.WaitAsync(ExitTimeout);
                var why = $"Node {Name} ({BaseAddress}) exited during start.\n{result}";
                throw result.StandardOutput.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                      || result.StandardError.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortTakenException(why)
                    : new InvalidOperationException(why);
            }

            if (await AnswersDiscoveryAsync())
            {
                return;
            }

            await Task.WhenAny(_process.Exited, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        throw new TimeoutException($"Node {Name} did not answer {BaseAddress}.well-known/openid-configuration within {ReadyTimeout.TotalSeconds:0}s.");
    }

    /// <summary>kill -9: Process.Kill sends SIGKILL on Unix, so the node gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"Node {Name} was never started.");
        await KillAsync(process);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_process is { } process)
        {
            _process = null;
            await KillAsync(process);
            process.Dispose();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static async Task KillAsync(ChildProcess process)
    {
        if (!process.Exited.IsCompleted)
        {
            try
            {
                using var running = Process.GetProcessById(process.Id);
                running.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }

        await process.Exited.WaitAsync(ExitTimeout);
    }

    private async Task<bool> AnswersDiscoveryAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await Http.GetAsync(".well-known/openid-configuration", timeout.Token);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
