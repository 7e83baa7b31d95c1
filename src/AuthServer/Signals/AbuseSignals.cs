using AuthServer.Data.Stores;
using AuthServer.Http;
using AuthServer.Protocol.Audit;

namespace AuthServer.Signals;

/// <summary>One detected signal, as this node saw it.</summary>
public sealed record DetectedSignal(DateTimeOffset OccurredAt, string Signal, string Target, string? Source, int Count, TimeSpan Window);

/// <summary>
/// Abuse signals: seen, counted, surfaced (not blocked). Failures are counted per key in memory on each node; when a
/// key crosses its threshold within the window, one audit event "signal.&lt;name&gt;" (outcome "detected") is
/// recorded, the metric authserver.abuse.signals is incremented, and the signal joins this node's recent list.
/// Only failures reach the counters, so the token and introspection hot paths pay nothing while nobody misbehaves.
/// </summary>
public sealed class AbuseSignals
{
    public const string TokenGuessing = "token_guessing";
    public const string SecretBruteForce = "secret_brute_force";
    public const string CredentialStuffing = "credential_stuffing";
    public const string RefreshReuse = "refresh_reuse";
    public const string ScopeOverreach = "scope_overreach";
    public const string AdminEnumeration = "admin_enumeration";

    /// <summary>The audit action of a denied scope request (recorded by the engine, counted here).</summary>
    public const string ScopeDeniedAction = "scope.denied";

    private readonly Dictionary<string, (SignalRule Rule, SignalCounter Counter)> _signals;
    private readonly AuditSink _audit;
    private readonly AuthServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly int _recentCapacity;
    private readonly Queue<DetectedSignal> _recent = new();
    private readonly Lock _recentLock = new();

    /// <param name="audit">The store's sink itself: a signal's own event is not watched again.</param>
    public AbuseSignals(AbuseSignalOptions options, AuditSink audit, AuthServerMetrics metrics, TimeProvider time)
    {
        _audit = audit;
        _metrics = metrics;
        _time = time;
        _recentCapacity = options.RecentCapacity;
        _signals = new Dictionary<string, (SignalRule, SignalCounter)>(StringComparer.Ordinal)
        {
            [TokenGuessing] = Counter(options.TokenGuessing),
            [SecretBruteForce] = Counter(options.SecretBruteForce),
            [CredentialStuffing] = Counter(options.CredentialStuffing),
            [RefreshReuse] = Counter(options.RefreshReuse),
            [ScopeOverreach] = Counter(options.ScopeOverreach),
            [AdminEnumeration] = Counter(options.AdminEnumeration),
        };

        (SignalRule, SignalCounter) Counter(SignalRule rule) => (rule, new SignalCounter(rule, options.MaxTrackedKeys));
    }

    /// <summary>How many keys a signal tracks now (bounded by AuthServer:Signals:MaxTrackedKeys).</summary>
    public int TrackedKeys(string signal) => _signals[signal].Counter.TrackedKeys;

    /// <summary>The signals this node detected most recently, newest first.</summary>
    public IReadOnlyList<DetectedSignal> Recent()
    {
        lock (_recentLock)
        {
            return _recent.Reverse().ToList();
        }
    }

    /// <summary>An introspection answered inactive: guessing tokens looks like many of these from one caller.</summary>
    public void InactiveIntrospection(string callerId, string? source) =>
        Observe(TokenGuessing, "client:" + callerId, source, callerId);

    /// <summary>A failed sign-in for <paramref name="userName"/>: stuffing is many distinct accounts from one source.</summary>
    public void SignInFailed(string? userName, string? source)
    {
        if (source is not null && !string.IsNullOrWhiteSpace(userName))
        {
            Observe(CredentialStuffing, "ip:" + source, source, clientId: null, distinct: userName.Trim());
        }
    }

    /// <summary>The admin API answered 404 to <paramref name="caller"/> (an actor, or the source when anonymous).</summary>
    public void AdminNotFound(string caller, string? source) => Observe(AdminEnumeration, caller, source, clientId: null);

    /// <summary>Counts what the audit stream says about abuse: failed client authentication, reuse, denied scopes.</summary>
    public void Watch(AuditEvent e)
    {
        switch (e.Action)
        {
            case "client.authentication_failed":
                if (e.Source is not null)
                {
                    Observe(SecretBruteForce, "ip:" + e.Source, e.Source, clientId: null);
                }

                if (!string.IsNullOrEmpty(e.ClientId))
                {
                    Observe(SecretBruteForce, "client:" + e.ClientId, e.Source, e.ClientId);
                }

                break;

            case "refresh.reused":
                // Each reused family is its own key, so every reuse is a signal (threshold 1 by default).
                Observe(RefreshReuse, $"client:{e.ClientId} {FamilyOf(e.Detail)}".TrimEnd(), e.Source, e.ClientId);
                break;

            case ScopeDeniedAction when e.ClientId is not null:
                Observe(ScopeOverreach, "client:" + e.ClientId, e.Source, e.ClientId);
                break;
        }
    }

    private void Observe(string signal, string key, string? source, string? clientId, string? distinct = null)
    {
        var (rule, counter) = _signals[signal];
        var now = _time.GetUtcNow();
        if (counter.Observe(key, now, distinct) is not { } count)
        {
            return;
        }

        var window = (long)rule.Window.TotalSeconds;
        _audit.Record(new AuditEvent(now, "signal." + signal, "detected", clientId, Subject: null, Target: key,
            Detail: $"count={count} window={window}s", Source: source));
        _metrics.AbuseSignal(signal);
        lock (_recentLock)
        {
            if (_recent.Count == _recentCapacity)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(new DetectedSignal(now, signal, key, source, count, rule.Window));
        }
    }

    private static string? FamilyOf(string? detail)
    {
        const string prefix = "family=";
        var start = detail?.IndexOf(prefix, StringComparison.Ordinal) ?? -1;
        if (start < 0)
        {
            return null;
        }

        var value = detail!.AsSpan(start);
        var end = value.IndexOf(' ');
        return (end < 0 ? value : value[..end]).ToString();
    }
}
