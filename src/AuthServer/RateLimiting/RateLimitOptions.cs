namespace AuthServer.RateLimiting;

/// <summary>
/// The "AuthServer:RateLimits" section: one rule per policy (see docs/rate-limits.md), e.g.
/// AuthServer:RateLimits:LoginPerAccount:PermitLimit=10. Checked at start by <see cref="Problems"/>.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "AuthServer:RateLimits";

    /// <summary>Off: no request is counted or refused (the middleware is not added at all).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>POST /connect/token, per client (per source when the request names no client).</summary>
    public RateLimitRule Token { get; set; } = new(300, TimeSpan.FromSeconds(1));

    /// <summary>POST /connect/introspect and GET /connect/phantom, per calling client.</summary>
    public RateLimitRule Introspection { get; set; } = new(1000, TimeSpan.FromSeconds(1));

    /// <summary>POST /account/login, per source address.</summary>
    public RateLimitRule LoginPerSource { get; set; } = new(60, TimeSpan.FromMinutes(1));

    /// <summary>POST /account/login, per account (the username, as Identity normalizes it).</summary>
    public RateLimitRule LoginPerAccount { get; set; } = new(20, TimeSpan.FromMinutes(1));

    /// <summary>POST /account/login/mfa and /account/mfa, per source address.</summary>
    public RateLimitRule MfaPerSource { get; set; } = new(60, TimeSpan.FromMinutes(1));

    /// <summary>POST /account/login/mfa and /account/mfa, per account (the user waiting for, or managing, a second factor).</summary>
    public RateLimitRule MfaPerAccount { get; set; } = new(20, TimeSpan.FromMinutes(1));

    /// <summary>Every other request (authorize, userinfo, revoke, discovery, JWKS, pages, admin), per source address.</summary>
    public RateLimitRule PerSource { get; set; } = new(1200, TimeSpan.FromMinutes(1));

    /// <summary>/health/*, per source address: only this generous limit applies to probes.</summary>
    public RateLimitRule Health { get; set; } = new(6000, TimeSpan.FromMinutes(1));

    /// <summary>Each rule by its configuration name.</summary>
    public IEnumerable<(RateLimitPolicy Policy, string Name, RateLimitRule Rule)> Rules()
    {
        yield return (RateLimitPolicy.Token, nameof(Token), Token);
        yield return (RateLimitPolicy.Introspection, nameof(Introspection), Introspection);
        yield return (RateLimitPolicy.LoginPerSource, nameof(LoginPerSource), LoginPerSource);
        yield return (RateLimitPolicy.LoginPerAccount, nameof(LoginPerAccount), LoginPerAccount);
        yield return (RateLimitPolicy.MfaPerSource, nameof(MfaPerSource), MfaPerSource);
        yield return (RateLimitPolicy.MfaPerAccount, nameof(MfaPerAccount), MfaPerAccount);
        yield return (RateLimitPolicy.PerSource, nameof(PerSource), PerSource);
        yield return (RateLimitPolicy.Health, nameof(Health), Health);
    }

    /// <summary>What to fix, one line per bad value (called by AuthServerOptionsValidator).</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (_, name, rule) in Rules())
        {
            var key = $"{Section}:{name}";
            if (rule.PermitLimit < 1)
            {
                yield return $"{key}:PermitLimit must be at least 1 (requests allowed per window), e.g. {DefaultsFor(name).PermitLimit}.";
            }

            if (rule.Window < RateLimitRule.MinimumWindow || rule.Window > RateLimitRule.MaximumWindow)
            {
                yield return $"{key}:Window must be between 00:00:01 and 1.00:00:00, e.g. {DefaultsFor(name).Window:c}.";
            }
        }
    }

    private static RateLimitRule DefaultsFor(string name) => new RateLimitOptions().Rules().Single(r => r.Name == name).Rule;
}

/// <summary>
/// At most <see cref="PermitLimit"/> requests at once, refilled at <see cref="PermitLimit"/> per <see cref="Window"/>
/// (a token bucket: a quiet caller may burst up to the limit; a busy one gets the steady rate).
/// </summary>
public sealed class RateLimitRule
{
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaximumWindow = TimeSpan.FromDays(1);

    public RateLimitRule()
    {
    }

    public RateLimitRule(int permitLimit, TimeSpan window)
    {
        PermitLimit = permitLimit;
        Window = window;
    }

    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }
}

/// <summary>The policies; the metric tag and log lines use <see cref="RateLimitPolicies.Name"/>.</summary>
public enum RateLimitPolicy
{
    Token,
    Introspection,
    LoginPerSource,
    LoginPerAccount,
    MfaPerSource,
    MfaPerAccount,
    PerSource,
    Health,
}

public static class RateLimitPolicies
{
    /// <summary>The value of the metric's "policy" tag.</summary>
    public static string Name(this RateLimitPolicy policy) => policy switch
    {
        RateLimitPolicy.Token => "token",
        RateLimitPolicy.Introspection => "introspection",
        RateLimitPolicy.LoginPerSource => "login_source",
        RateLimitPolicy.LoginPerAccount => "login_account",
        RateLimitPolicy.MfaPerSource => "mfa_source",
        RateLimitPolicy.MfaPerAccount => "mfa_account",
        RateLimitPolicy.PerSource => "source",
        RateLimitPolicy.Health => "health",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };
}
