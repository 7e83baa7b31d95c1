using System.Threading.RateLimiting;

namespace AuthServer.RateLimiting;

/// <summary>
/// One bucket: a policy and what it is counted by (a client id, an account, a source address). <see cref="BySource"/>
/// keeps a client named like an address apart from that address when a request names no client.
/// </summary>
public readonly record struct RateLimitKey(RateLimitPolicy Policy, string Id, bool BySource = false);

/// <summary>
/// Every bucket of every policy: one partitioned token-bucket limiter from System.Threading.RateLimiting. Buckets are
/// made on first use, refilled by the limiter's own timer (every 100 ms, on its own monotonic clock), and dropped once
/// they have been full and unused for a while, so memory follows the callers active in the last seconds.
/// </summary>
public sealed class RateLimitBuckets : IDisposable
{
    private readonly PartitionedRateLimiter<RateLimitKey> _limiter;

    public RateLimitBuckets(RateLimitOptions options)
    {
        // One factory per policy, made once: asking for a partition allocates nothing.
        var factories = new Func<RateLimitKey, RateLimiter>[Enum.GetValues<RateLimitPolicy>().Length];
        foreach (var (policy, _, rule) in options.Rules())
        {
            var bucket = BucketOptions(rule);
            factories[(int)policy] = _ => new TokenBucketRateLimiter(bucket);
        }

        _limiter = PartitionedRateLimiter.Create<RateLimitKey, RateLimitKey>(
            key => RateLimitPartition.Get(key, factories[(int)key.Policy]));
    }

    /// <summary>Takes one permit from the bucket now; never waits (nothing is queued).</summary>
    public RateLimitLease Acquire(RateLimitKey key) => _limiter.AttemptAcquire(key);

    /// <summary>
    /// PermitLimit per Window as a token bucket that holds PermitLimit and adds a few tokens at a time, at least a
    /// second apart: 600 a minute is 10 every second, 20 a minute is 1 every 3 seconds. The bucket is refilled by the
    /// partitioned limiter (AutoReplenishment off: no timer per bucket).
    /// </summary>
    internal static TokenBucketRateLimiterOptions BucketOptions(RateLimitRule rule)
    {
        var tokensPerPeriod = (int)Math.Max(1, Math.Ceiling(rule.PermitLimit / rule.Window.TotalSeconds));
        var period = TimeSpan.FromTicks((long)((double)rule.Window.Ticks * tokensPerPeriod / rule.PermitLimit));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = rule.PermitLimit,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    public void Dispose() => _limiter.Dispose();
}
