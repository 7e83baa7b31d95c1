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

    private const string SiteFile = "authserver-gateway.conf";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);

    private readonly string _root;
    private NginxProcess? _nginx;

    private NginxGateway(string root, NginxProcess nginx, int port)
    {
        _root = root;
        _nginx = nginx;
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

        var recipe = File.ReadAllText(Path.Combine(Loopback.RepositoryRoot(), RecipePath));
        var root = NginxProcess.CreatePrefix("authserver-nginx-");
        try
        {
            // A free port can be taken between our probe and nginx binding it: then try another.
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                // A fresh cache folder each time: a failed start leaves its unix socket behind.
                var cache = Path.Combine(root, $"gateway-{attempt}");
                await CreatePrivateFolderAsync(cache);
                var port = Loopback.FreePort();
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

                File.WriteAllText(Path.Combine(root, SiteFile), Render(recipe, values));
                try
                {
                    var nginx = await NginxProcess.StartAsync(root, SiteFile, port, workerConnections: 256, accessLog: true, "gateway");
                    return new NginxGateway(root, nginx, port);
                }
                catch (NginxStartException e) when (e.AddressInUse && attempt < attempts)
                {
                }
            }
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>nginx's error log so far (for a failing test's message).</summary>
    public string ReadErrorLog() => _nginx?.ReadErrorLog() ?? "(nginx is stopped)";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_nginx is { } nginx)
            {
                _nginx = null;
                await nginx.DisposeAsync();
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

    /// <summary>Mode 0700, owned by the account the workers run as: the recipe's {{CACHE_DIR}}.</summary>
    [UnsupportedOSPlatform("windows")]
    private static async Task CreatePrivateFolderAsync(string path)
    {
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (NginxProcess.AsRoot)
        {
            var account = NginxProcess.WorkerAccount;
            var chown = await ChildProcess.RunAsync(ChildProcess.StartInfo("chown", [account + ":", path]), ToolTimeout);
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"As root the gateway's nginx workers run as '{account}' (the account Debian's base system has for " +
                    $"them), and the cache folder could not be given to it.\n{chown}");
            }
        }
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

    [GeneratedRegex(@"\{\{([A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();
}
