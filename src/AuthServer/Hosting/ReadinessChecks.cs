using AuthServer.Configuration;
using AuthServer.Data;
using AuthServer.Data.Migrations;
using AuthServer.Protocol.Keys;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuthServer.Hosting;

/// <param name="Reachable">A connection opened and a query ran within the timeout (on SQLite, the write lock was free too).</param>
/// <param name="SchemaVersion">The newest applied migration, or null when none could be read.</param>
public sealed record DatabaseState(bool Reachable, string? SchemaVersion);

/// <summary>
/// One database probe shared by every readiness request: at most one runs at a time, and its answer is reused for
/// <see cref="HealthOptions.ReadyCacheDuration"/>, so a fleet of load balancers cannot flood the database.
/// </summary>
public sealed class DatabaseProbe(AuthServerDatabase database, AuthServerOptions options, TimeProvider time, ILogger<DatabaseProbe> log)
{
    private readonly string _expectedVersion = Migration.Load(database.Provider)[^1].Version;
    private readonly Lock _gate = new();
    private Task<DatabaseState>? _last;
    private long _completedAt;
    private bool? _wasReachable;
    private long _probes;

    /// <summary>The newest migration this build knows; the database must have it applied.</summary>
    public string ExpectedSchemaVersion => _expectedVersion;

    /// <summary>How many probes reached the database since the start.</summary>
    public long Probes => Interlocked.Read(ref _probes);

    public Task<DatabaseState> GetAsync()
    {
        lock (_gate)
        {
            if (_last is { } last && (!last.IsCompleted || time.GetElapsedTime(_completedAt) < options.Health.ReadyCacheDuration))
            {
                return last;
            }

            return _last = Task.Run(ProbeAsync);
        }
    }

    private async Task<DatabaseState> ProbeAsync()
    {
        Interlocked.Increment(ref _probes);
        var state = await ReadStateAsync();
        if (_wasReachable != state.Reachable)
        {
            if (state.Reachable)
            {
                log.LogInformation("The database is reachable (schema version {Version})", state.SchemaVersion ?? "none");
            }

            _wasReachable = state.Reachable;
        }

        _completedAt = time.GetTimestamp();
        return state;
    }

    private async Task<DatabaseState> ReadStateAsync()
    {
        var timeout = options.Health.DatabaseTimeout;
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            await using var connection = await database.OpenConnectionAsync(deadline.Token);
            if (connection is SqliteConnection sqlite)
            {
                // The busy timeout of the implicit commands (BEGIN) below.
                sqlite.DefaultTimeout = seconds;
            }

            string? version;
            await using (var command = connection.CreateCommand())
            {
                command.CommandTimeout = seconds;
                command.CommandText = $"SELECT MAX(version) FROM {MigrationRunner.HistoryTable}";
                try
                {
                    version = await command.ExecuteScalarAsync(deadline.Token) as string;
                }
                catch (Exception e) when (!DatabaseOutage.IsOutage(e) && !deadline.IsCancellationRequested)
                {
                    // Reachable, but not migrated (no history table): the schema check says so.
                    version = null;
                }
            }

            if (connection is SqliteConnection)
            {
                // With WAL, readers go on while another process holds the write lock; tokens cannot be issued then.
                // Ready means able to issue: take the write lock (BEGIN IMMEDIATE) and let it go at once.
                await using var transaction = await connection.BeginTransactionAsync(deadline.Token);
                await transaction.RollbackAsync(deadline.Token);
            }

            return new DatabaseState(true, version);
        }
        catch (Exception e) when (DatabaseOutage.IsOutage(e) || e is OperationCanceledException)
        {
            if (_wasReachable != false)
            {
                log.LogWarning("Readiness: the database is unavailable ({Type}: {Reason})", e.GetType().Name, e.Message);
            }

            database.ClearPool();
            return new DatabaseState(false, null);
        }
        catch (Exception e)
        {
            log.LogError(e, "Readiness: the database probe failed unexpectedly");
            return new DatabaseState(false, null);
        }
    }
}

/// <summary>"database": reachable within the timeout.</summary>
public sealed class DatabaseHealthCheck(DatabaseProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        (await probe.GetAsync()).Reachable ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
}

/// <summary>"schema": every migration this build knows is applied (a newer node may have applied more).</summary>
public sealed class SchemaHealthCheck(DatabaseProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = await probe.GetAsync();
        return state.SchemaVersion is { } version && string.CompareOrdinal(version, probe.ExpectedSchemaVersion) >= 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy();
    }
}

/// <summary>"signing_keys": the key ring in memory has an active key for every algorithm (no database access).</summary>
public sealed class SigningKeysHealthCheck(SigningKeyRingSource keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ring = keys.Current;
        return Task.FromResult(SigningAlgorithms.All.All(a => ring.ActiveFor(a) is not null)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy());
    }
}
