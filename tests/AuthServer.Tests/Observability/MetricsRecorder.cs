using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AuthServer.Http;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Observability;

/// <summary>Listens to one host's AuthServer meter (not another test host's of the same name) and keeps every measurement.</summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();

    public MetricsRecorder(AuthServerHost host)
    {
        var factory = host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AuthServerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
    }

    public sealed record Measured(string Name, double Value, IReadOnlyDictionary<string, string?> Tags, string? Unit);

    /// <summary>Measurements of <paramref name="name"/> whose tags include all of <paramref name="tags"/>.</summary>
    public List<Measured> Of(string name, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).ToList();

    /// <summary>Asks the observable instruments (the key-age gauge) for their values now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, string?>();
        foreach (var (key, tagValue) in tags)
        {
            map[key] = tagValue is bool b ? (b ? "true" : "false") : tagValue?.ToString();
        }

        _measurements.Enqueue(new Measured(instrument.Name, value, map, instrument.Unit));
    }
}
