using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
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

    /// <summary>The signal audit rows (target, client_id, detail, outcome) recorded since <paramref name="since"/>.</summary>
    public static async Task<List<string?[]>> SignalRowsAsync(AuthServerHost host, string signal, DateTimeOffset since)
    {
        await host.FlushAuditAsync();
        return await Database.QueryAsync(host,
            $"SELECT target, client_id, detail, outcome FROM audit_events WHERE action = 'signal.{signal}' " +
            $"AND occurred_at >= {since.ToUnixTimeMilliseconds()} ORDER BY id");
    }
}

public sealed class SqliteSignalServerFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => SignalSettings.Args;
}

public sealed class PostgresSignalServerFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => SignalSettings.Args;
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
