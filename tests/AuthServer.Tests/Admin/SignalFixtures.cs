using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>Servers whose abuse signals fire at 3 events a minute and track at most 6 keys, so tests stay short.</summary>
public static class SignalSettings
{
    public const int Threshold = 3;
    public const int MaxTrackedKeys = 6;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static readonly string[] Args =
    [
        .. new[] { "TokenGuessing", "SecretBruteForce", "CredentialStuffing", "ScopeOverreach", "AdminEnumeration" }
            .SelectMany(s => new[] { $"--AuthServer:Signals:{s}:Threshold={Threshold}", $"--AuthServer:Signals:{s}:Window=00:01:00" }),
        $"--AuthServer:Signals:MaxTrackedKeys={MaxTrackedKeys}",
    ];

    /// <summary>Waits until every audit event queued so far is committed (writes commit in queue order).</summary>
    public static Task FlushAuditAsync(AuthServerHost host) =>
        host.Service<GroupCommitWriter>().WriteAuditAsync(new AuditEvent(host.Time.GetUtcNow(), "test.flush", "success"), CancellationToken.None);

    /// <summary>The signal audit rows (target, client_id, detail, outcome) recorded since <paramref name="since"/>.</summary>
    public static async Task<List<string?[]>> SignalRowsAsync(AuthServerHost host, string signal, DateTimeOffset since)
    {
        await FlushAuditAsync(host);
        return await Database.QueryAsync(host,
            $"SELECT target, client_id, detail, outcome FROM audit_events WHERE action = 'signal.{signal}' " +
            $"AND occurred_at >= {since.ToUnixTimeMilliseconds()} ORDER BY id");
    }
}

public sealed class SqliteSignalServerFixture : ServerFixture
{
    private readonly TempFolder _folder = new();

    protected override Task<HostSettings> CreateSettingsAsync() =>
        Task.FromResult(HostSettings.NewSqlite(_folder.Path) with { ExtraArgs = SignalSettings.Args });

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresSignalServerFixture : ServerFixture
{
    private static int _databases;
    private readonly TempFolder _folder = new();

    protected override async Task<HostSettings> CreateSettingsAsync()
    {
        var cluster = await SharedPostgres.GetAsync();
        var connectionString = await cluster.CreateDatabaseAsync($"signals_{Interlocked.Increment(ref _databases)}");
        return new HostSettings("PostgreSql", connectionString, Path.Combine(_folder.Path, "keys"), SignalSettings.Args);
    }

    protected override Task CleanupAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Counts authserver.abuse.signals by its signal tag, for one host's meters only.</summary>
public sealed class SignalMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public SignalMeter(AuthServerHost host)
    {
        var factory = host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "authserver.abuse.signals" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "signal")
                {
                    _counts.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    public long this[string signal] => _counts.GetValueOrDefault(signal);

    public void Dispose() => _listener.Dispose();
}
