using AuthServer.Hosting;

namespace AuthServer.Signals;

/// <summary>
/// When an abuse signal fires: a threshold of events by one key (caller, source, client) within a sliding window.
/// Bound from AuthServer:Signals, e.g. AuthServer:Signals:TokenGuessing:Threshold=50.
/// </summary>
public sealed class AbuseSignalOptions
{
    public const string Section = "AuthServer:Signals";

    /// <summary>Introspections answering inactive, per introspecting client.</summary>
    public SignalRule TokenGuessing { get; set; } = new() { Threshold = 20, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Failed client authentications (invalid_client), per source address and per client id.</summary>
    public SignalRule SecretBruteForce { get; set; } = new() { Threshold = 10, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Distinct accounts with a failed sign-in, per source address.</summary>
    public SignalRule CredentialStuffing { get; set; } = new() { Threshold = 10, Window = TimeSpan.FromMinutes(5) };

    /// <summary>Refresh-token reuse: each reused family is a signal.</summary>
    public SignalRule RefreshReuse { get; set; } = new() { Threshold = 1, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Token or authorization requests refused with invalid_scope, per client.</summary>
    public SignalRule ScopeOverreach { get; set; } = new() { Threshold = 10, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Admin API answers 404, per admin API caller.</summary>
    public SignalRule AdminEnumeration { get; set; } = new() { Threshold = 20, Window = TimeSpan.FromMinutes(1) };

    /// <summary>How many keys each signal tracks at most; beyond that, the least recently seen key is forgotten.</summary>
    public int MaxTrackedKeys { get; set; } = 10_000;

    /// <summary>How many detected signals this node keeps in memory for the overview.</summary>
    public int RecentCapacity { get; set; } = 50;

    public IEnumerable<(string Name, SignalRule Rule)> Rules()
    {
        yield return (nameof(TokenGuessing), TokenGuessing);
        yield return (nameof(SecretBruteForce), SecretBruteForce);
        yield return (nameof(CredentialStuffing), CredentialStuffing);
        yield return (nameof(RefreshReuse), RefreshReuse);
        yield return (nameof(ScopeOverreach), ScopeOverreach);
        yield return (nameof(AdminEnumeration), AdminEnumeration);
    }

    /// <summary>Binds and checks the section; a bad value stops the start with what to fix.</summary>
    public static AbuseSignalOptions Load(IConfiguration configuration)
    {
        var options = new AbuseSignalOptions();
        try
        {
            configuration.GetSection(Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new StartupException($"The configuration is invalid:\n  - {Section}: {e.Message}");
        }

        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new StartupException("The configuration is invalid:\n  - " + string.Join("\n  - ", problems));
        }

        return options;
    }

    public IEnumerable<string> Problems()
    {
        foreach (var (name, rule) in Rules())
        {
            // The counter keeps the last Threshold instants per key, so the threshold also bounds memory.
            if (rule.Threshold is < 1 or > 1000)
            {
                yield return $"{Section}:{name}:Threshold must be between 1 and 1000.";
            }

            if (rule.Window < TimeSpan.FromSeconds(1) || rule.Window > TimeSpan.FromDays(1))
            {
                yield return $"{Section}:{name}:Window must be between 00:00:01 and 1.00:00:00.";
            }
        }

        if (MaxTrackedKeys is < 1 or > 1_000_000)
        {
            yield return $"{Section}:MaxTrackedKeys must be between 1 and 1000000.";
        }

        if (RecentCapacity is < 1 or > 1000)
        {
            yield return $"{Section}:RecentCapacity must be between 1 and 1000.";
        }
    }
}

public sealed class SignalRule
{
    public int Threshold { get; set; }

    public TimeSpan Window { get; set; }
}
