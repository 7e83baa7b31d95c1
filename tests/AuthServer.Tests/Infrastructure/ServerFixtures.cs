namespace AuthServer.Tests.Infrastructure;

/// <summary>One running server per test class, with the standard test clients imported.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private AuthServerHost? _host;

    public AuthServerHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync()
    {
        _host = await AuthServerHost.StartAsync(await CreateSettingsAsync(), configure: ConfigureHost);
        await _host.ImportAsync(TestClients.Json);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await CleanupAsync();
    }

    protected abstract Task<HostSettings> CreateSettingsAsync();

    /// <summary>Adds to the host's builder (e.g. a logger provider that captures errors).</summary>
    protected virtual void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
    }

    protected virtual Task CleanupAsync() => Task.CompletedTask;
}

public class SqliteServerFixture : ServerFixture
{
    private readonly TempFolder _folder = new();

    /// <summary>Command-line settings a derived fixture adds (e.g. small thresholds).</summary>
    protected virtual string[] ExtraArgs => [];

    protected override Task<HostSettings> CreateSettingsAsync() =>
        Task.FromResult(HostSettings.NewSqlite(_folder.Path) with { ExtraArgs = ExtraArgs });

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A server on its own empty database in the shared throwaway PostgreSQL cluster.</summary>
public class PostgresServerFixture : ServerFixture
{
    private static int _databases;
    private readonly TempFolder _folder = new();

    /// <summary>Command-line settings a derived fixture adds (e.g. small thresholds).</summary>
    protected virtual string[] ExtraArgs => [];

    protected override async Task<HostSettings> CreateSettingsAsync()
    {
        var cluster = await SharedPostgres.GetAsync();
        var connectionString = await cluster.CreateDatabaseAsync($"http_{Interlocked.Increment(ref _databases)}");
        return new HostSettings("PostgreSql", connectionString, Path.Combine(_folder.Path, "keys"), ExtraArgs);
    }

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>One cluster for every PostgreSQL HTTP test in the run, started on first use, removed at exit.</summary>
public static class SharedPostgres
{
    private static readonly Lazy<Task<AuthServer.Testing.PostgresCluster>> Cluster = new(StartAsync);

    public static Task<AuthServer.Testing.PostgresCluster> GetAsync() => Cluster.Value;

    private static async Task<AuthServer.Testing.PostgresCluster> StartAsync()
    {
        var cluster = new AuthServer.Testing.PostgresCluster();
        await cluster.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().GetAwaiter().GetResult();
        return cluster;
    }
}

public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("authserver-test-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finished test is left for the OS to clean.
        }
    }
}
