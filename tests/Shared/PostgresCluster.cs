using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace AuthServer.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: initdb into a temp folder, started on a free loopback port with
/// fsync off, stopped and deleted on dispose. Each test (class) asks for its own empty database with
/// <see cref="CreateDatabaseAsync"/>. Needs initdb, pg_ctl and postgres on PATH; as root they run as the
/// postgres user (PostgreSQL refuses to run as root).
/// </summary>
/// <remarks>Use it as a collection fixture (<see cref="PostgresCollection"/>), so one cluster serves many classes.</remarks>
public sealed partial class PostgresCluster : IAsyncLifetime
{
    /// <summary>The database superuser (trust authentication, no password).</summary>
    public const string Superuser = "postgres";

    /// <summary>The system account that runs the server when the tests run as root.</summary>
    private const string ServerAccount = "postgres";

    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90); // pg_ctl -t 60 gives up first, with its reason
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45); // pg_ctl -t 30 gives up first

    private readonly bool _asPostgresUser = Environment.UserName == "root";
    private string? _root;
    private string? _pgCtl;
    private bool _running;

    public string Host => "127.0.0.1";

    /// <summary>The TCP port on 127.0.0.1; set once the cluster has started.</summary>
    public int Port { get; private set; }

    /// <summary>The data, socket and log folder (deleted on dispose).</summary>
    public string RootDirectory => _root ?? throw new InvalidOperationException("The cluster has not been started.");

    private string DataDirectory => Path.Combine(RootDirectory, "data");

    private string SocketDirectory => Path.Combine(RootDirectory, "socket");

    private string LogFile => Path.Combine(RootDirectory, "postgres.log");

    public async Task InitializeAsync()
    {
        var initdb = FindExecutable("initdb");
        _pgCtl = FindExecutable("pg_ctl");
        FindExecutable("postgres");
        if (_asPostgresUser)
        {
            FindExecutable("runuser");
        }

        _root = Directory.CreateTempSubdirectory("authserver-pg-").FullName;
        try
        {
            Directory.CreateDirectory(SocketDirectory);
            if (_asPostgresUser)
            {
                await ChildProcess.RunCheckedAsync(
                    ChildProcess.StartInfo(FindExecutable("chown"), ["-R", ServerAccount + ":", _root]), InitTimeout);
            }

            await RunAsync(initdb,
                ["-D", DataDirectory, "--auth=trust", "-U", Superuser, "--encoding=UTF8", "--no-locale", "--no-sync"],
                InitTimeout, "initdb");
            await StartAsync();
            AppDomain.CurrentDomain.ProcessExit += StopOnExit;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    /// <param name="name">Lower-case letters, digits and underscores; unique within this cluster.</param>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain database name: use [a-z_][a-z0-9_]*, at most 63 characters.", nameof(name));
        }

        var admin = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public string ConnectionString(string database)
    {
        if (!_running)
        {
            throw new InvalidOperationException("The cluster is not running.");
        }

        return new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = Superuser,
            Database = database,
        }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        try
        {
            // Also after a failed start: a server may be up even though pg_ctl gave up waiting for it.
            if (_root is not null && _pgCtl is not null && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                var wasRunning = _running;
                _running = false;
                NpgsqlConnection.ClearAllPools();
                var result = await RunUncheckedAsync(_pgCtl, ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], StopTimeout);
                if (result.ExitCode != 0 && wasRunning)
                {
                    throw new InvalidOperationException($"pg_ctl stop failed for the test PostgreSQL cluster.\n{result}\n--- {LogFile} ---\n{ReadLog()}");
                }
            }
        }
        finally
        {
            if (_root is not null && Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }

            _root = null;
        }
    }

    /// <summary>
    /// Stops the server (pg_ctl -m fast: sessions are ended, as when an operator stops it), keeping its data, port and
    /// folder: <see cref="StartAgainAsync"/> brings the same cluster back.
    /// </summary>
    public async Task StopAsync()
    {
        if (!_running)
        {
            throw new InvalidOperationException("The cluster is not running.");
        }

        _running = false;
        await RunAsync(_pgCtl!, ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], StopTimeout, "pg_ctl stop");
    }

    /// <summary>Starts a cluster stopped by <see cref="StopAsync"/> again, on the same port with the same data.</summary>
    public async Task StartAgainAsync()
    {
        if (_running)
        {
            throw new InvalidOperationException("The cluster is already running.");
        }

        await StartAsync(Port);
    }

    private async Task StartAsync(int? samePort = null)
    {
        // A free port can be taken between our probe and postgres binding it: then try another (unless it must be the same).
        var attempts = samePort is null ? 3 : 1;
        for (var attempt = 1; ; attempt++)
        {
            var port = samePort ?? Loopback.FreePort();

            // pg_ctl hands -o to a shell, so quote the folder.
            var serverOptions = $"-p {port} -k '{SocketDirectory}' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
            var result = await RunUncheckedAsync(_pgCtl!,
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"], StartTimeout);
            if (result.ExitCode == 0)
            {
                Port = port;
                _running = true;
                return;
            }

            var log = ReadLog();
            if (attempt < attempts && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            throw new InvalidOperationException($"The test PostgreSQL cluster did not start.\n{result}\n--- {LogFile} ---\n{log}");
        }
    }

    private async Task RunAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout, string what)
    {
        var result = await RunUncheckedAsync(executable, arguments, timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed for the test PostgreSQL cluster.\n{result}\n--- {LogFile} ---\n{ReadLog()}");
        }
    }

    private Task<ChildProcessResult> RunUncheckedAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout) =>
        ChildProcess.RunAsync(StartInfo(executable, arguments), timeout);

    private ProcessStartInfo StartInfo(string executable, IReadOnlyList<string> arguments)
    {
        // The working folder is the cluster's own, which the postgres user can read.
        var info = _asPostgresUser
            ? ChildProcess.StartInfo(FindExecutable("runuser"), ["-u", ServerAccount, "--", executable, .. arguments], _root)
            : ChildProcess.StartInfo(executable, arguments, _root);

        // pg_ctl -l sends the server's output to the log; it needs no stdin.
        info.Environment["LC_ALL"] = "C";
        return info;
    }

    private string ReadLog()
    {
        try
        {
            return File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";
        }
        catch (IOException e)
        {
            return $"(cannot read the log: {e.Message})";
        }
    }

    private void StopOnExit(object? sender, EventArgs e)
    {
        // Last resort when the test host exits without disposing the fixture: do not leave a server behind.
        if (_running)
        {
            _running = false;
            using var process = Process.Start(StartInfo(_pgCtl!, ["-D", DataDirectory, "-m", "immediate", "stop"]));
            process?.WaitForExit(10_000);
        }
    }

    private static string FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The PostgreSQL tests need '{name}' on PATH, and it is not there (PATH={path}). Install the PostgreSQL 15 " +
            "server (initdb, pg_ctl, postgres; e.g. apt-get install postgresql-15) and put its bin folder " +
            "(e.g. /usr/lib/postgresql/15/bin) on PATH" + (name == "runuser" ? "; as root, runuser (util-linux) is needed too." : "."));
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}

/// <summary>Test classes marked [Collection(PostgresCollection.Name)] share one <see cref="PostgresCluster"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
