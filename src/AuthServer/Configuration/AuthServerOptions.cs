namespace AuthServer.Configuration;

/// <summary>The "AuthServer" configuration section. Bound once and validated at start.</summary>
public sealed class AuthServerOptions
{
    public const string Section = "AuthServer";

    /// <summary>The issuer identifier: https, or http on a loopback host; no path, query or fragment.</summary>
    public string Issuer { get; set; } = "http://localhost:5000";

    public DatabaseOptions Database { get; set; } = new();

    /// <summary>Folder of the master key file (master.key). Relative paths start at the working directory.</summary>
    public string KeysDirectory { get; set; } = "keys";

    /// <summary>The master key as base64 (32 bytes). When set, it is used instead of the key file.</summary>
    public string? MasterKey { get; set; }

    /// <summary>Apply pending migrations at start. With several nodes, either all may do it (it is locked) or a deploy step runs `migrate`.</summary>
    public bool MigrateOnStart { get; set; } = true;

    public TokenOptions Tokens { get; set; } = new();

    public CacheOptions Caches { get; set; } = new();

    public UsersOptions Users { get; set; } = new();

    public GatewayOptions Gateway { get; set; } = new();

    public KeyOptions Keys { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    public Http.HttpHardeningOptions Http { get; set; } = new();
    /// <summary>Per-client, per-account and per-source request limits (docs/rate-limits.md).</summary>
    public RateLimiting.RateLimitOptions RateLimits { get; set; } = new();

    public Observability.TelemetryOptions Telemetry { get; set; } = new();

    public Protocol.Keys.KeyScheduleOptions KeySchedule() => new()
    {
        PublishAhead = Keys.PublishAhead,
        ActiveLifetime = Keys.ActiveLifetime,
        RetainAfterRetirement = Keys.RetainAfterRetirement,
    };
}

/// <summary>The signing-key timeline (per algorithm): published ahead, active, retired, removed.</summary>
public sealed class KeyOptions
{
    /// <summary>How long a new key is published in JWKS before it signs; the JWKS max-age is half of it (at most an hour).</summary>
    public TimeSpan PublishAhead { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a key signs before the next one takes over.</summary>
    public TimeSpan ActiveLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a retired key stays published: at least the longest token lifetime (24 h), plus clock skew.</summary>
    public TimeSpan RetainAfterRetirement { get; set; } = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(5);
}

public sealed class GatewayOptions
{
    /// <summary>
    /// How long a gateway may cache a phantom token answer (the max-age of /connect/phantom, never beyond the token's
    /// own expiry): a revoked token is refused by the gateway at most this long after revocation.
    /// </summary>
    public TimeSpan PhantomCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class UsersOptions
{
    /// <summary>
    /// The shortest password accepted. Length is what makes a password strong (NIST SP 800-63B §3.1.1.2), so
    /// there are no composition rules.
    /// </summary>
    public int MinimumPasswordLength { get; set; } = 12;

    /// <summary>Failed sign-ins in a row after which the account is locked.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Every sign-in through the authorization endpoint needs a second factor.</summary>
    public bool RequireMfa { get; set; }

    /// <summary>Roles whose members always need a second factor (admins always do, whatever this says).</summary>
    public List<string> MfaRequiredRoles { get; set; } = [];

    /// <summary>How long a sign-in lasts before the user must sign in again (the session cookie's lifetime).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

public sealed class DatabaseOptions
{
    /// <summary>Sqlite (default) or PostgreSql.</summary>
    public string Provider { get; set; } = "Sqlite";

    public string ConnectionString { get; set; } = "Data Source=data/authserver.db";
}

public sealed class TokenOptions
{
    /// <summary>How long a revoked token's row is kept before pruning.</summary>
    public TimeSpan RevokedRetention { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rows deleted per statement, so pruning never holds a long lock.</summary>
    public int PruneBatchSize { get; set; } = 1000;
}

public sealed class CacheOptions
{
    /// <summary>An admin change to a client reaches every node within this time.</summary>
    public TimeSpan ClientLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An admin change to an API or scope reaches every node within this time.</summary>
    public TimeSpan ResourceLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each node reloads the signing keys.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}
