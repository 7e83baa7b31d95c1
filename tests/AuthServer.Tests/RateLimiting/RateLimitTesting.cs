using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using AuthServer.RateLimiting;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.RateLimiting;

/// <summary>
/// Low limits for the limit under test. Every window is an hour, so no bucket refills during a test (the limiter
/// refills on its own monotonic clock, which the fake TimeProvider does not move): counts are exact. A limit of N
/// an hour adds one permit every 3600/N seconds, which is the Retry-After of an empty bucket.
/// </summary>
public static class RateLimitSettings
{
    public static string[] Low(params (string Policy, int PermitLimit)[] limits) =>
    [
        .. limits.SelectMany(l => new[]
        {
            $"--AuthServer:RateLimits:{l.Policy}:PermitLimit={l.PermitLimit}",
            $"--AuthServer:RateLimits:{l.Policy}:Window=01:00:00",
        }),
    ];

    public static string RetryAfterOfEmpty(int permitsPerHour) => (3600 / permitsPerHour).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public static class RateLimitAssert
{
    /// <summary>429 in RFC 6749 §5.2 form: temporarily_unavailable, no-store, and Retry-After in seconds.</summary>
    public static async Task ProtocolAsync(HttpResponseMessage response, string retryAfter)
    {
        var json = await ProtocolAssert.ErrorAsync(response, HttpStatusCode.TooManyRequests, RateLimitRejections.ProtocolError);
        Assert.Equal($"Too many requests; retry after {retryAfter} seconds.", json.GetProperty("error_description").GetString());
        RetryAfter(response, retryAfter);
    }

    /// <summary>429 as a small page of its own.</summary>
    public static async Task PageAsync(HttpResponseMessage response, string retryAfter)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("<h1>Too many requests</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"Please wait {retryAfter} seconds", html, StringComparison.Ordinal);
        RetryAfter(response, retryAfter);
    }

    public static void RetryAfter(HttpResponseMessage response, string seconds) =>
        Assert.Equal(seconds, Assert.Single(response.Headers.GetValues("Retry-After")));
}

/// <summary>Counts authserver.ratelimit.rejections by its policy tag, for one host's meters only.</summary>
public sealed class RejectionMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public RejectionMeter(AuthServerHost host)
    {
        var factory = host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "authserver.ratelimit.rejections" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "policy")
                {
                    _counts.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Every policy that refused something, with its count, in name order.</summary>
    public IReadOnlyList<(string Policy, long Count)> Counts => _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value)).ToList();

    public void Dispose() => _listener.Dispose();
}
