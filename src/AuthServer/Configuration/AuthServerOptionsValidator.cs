using AuthServer.Data;
using Microsoft.Extensions.Options;

namespace AuthServer.Configuration;

/// <summary>Cross-field checks; each failure says what to fix.</summary>
public sealed class AuthServerOptionsValidator : IValidateOptions<AuthServerOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthServerOptions o)
    {
        var errors = new List<string>();

        if (!Uri.TryCreate(o.Issuer, UriKind.Absolute, out var issuer) || (issuer.Scheme != "https" && issuer.Scheme != "http"))
        {
            errors.Add($"AuthServer:Issuer '{o.Issuer}' must be an absolute http(s) URL such as https://auth.example.com.");
        }
        else
        {
            // RFC 8414 §2: the issuer uses https and has no query or fragment.
            if (issuer.Scheme == "http" && !issuer.IsLoopback)
            {
                errors.Add($"AuthServer:Issuer '{o.Issuer}' must use https (plain http is allowed only for localhost).");
            }

            if (issuer.Query.Length > 0 || issuer.Fragment.Length > 0 || o.Issuer.Contains('?') || o.Issuer.Contains('#'))
            {
                errors.Add("AuthServer:Issuer must not have a query or a fragment.");
            }

            if (issuer.AbsolutePath != "/" || o.Issuer.EndsWith('/'))
            {
                errors.Add($"AuthServer:Issuer '{o.Issuer}' must not have a path or a trailing slash; use e.g. https://auth.example.com.");
            }
        }

        try
        {
            AuthServerDatabase.ParseProvider(o.Database.Provider);
        }
        catch (ArgumentException e)
        {
            errors.Add($"AuthServer:Database:Provider: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(o.Database.ConnectionString))
        {
            errors.Add("AuthServer:Database:ConnectionString is empty.");
        }

        if (o.MasterKey is { Length: > 0 } key && !IsMasterKey(key))
        {
            errors.Add("AuthServer:MasterKey must be 32 bytes in base64 (e.g. the output of `openssl rand -base64 32`).");
        }

        Positive(errors, "AuthServer:Tokens:PruneInterval", o.Tokens.PruneInterval);
        Positive(errors, "AuthServer:Caches:ClientLifetime", o.Caches.ClientLifetime);
        Positive(errors, "AuthServer:Caches:ResourceLifetime", o.Caches.ResourceLifetime);
        Positive(errors, "AuthServer:Caches:KeyRefreshInterval", o.Caches.KeyRefreshInterval);
        foreach (var problem in o.KeySchedule().Problems())
        {
            errors.Add("AuthServer:Keys: " + problem);
        }

        if (o.Gateway.PhantomCacheLifetime < TimeSpan.Zero || o.Gateway.PhantomCacheLifetime > TimeSpan.FromMinutes(5))
        {
            errors.Add("AuthServer:Gateway:PhantomCacheLifetime must be between 00:00:00 (no caching) and 00:05:00: it bounds how long a revoked token still passes the gateway.");
        }
        if (o.Tokens.RevokedRetention < TimeSpan.Zero)
        {
            errors.Add("AuthServer:Tokens:RevokedRetention must not be negative.");
        }

        if (o.Tokens.PruneBatchSize is < 1 or > 100_000)
        {
            errors.Add("AuthServer:Tokens:PruneBatchSize must be between 1 and 100000.");
        }

        if (o.Users.MinimumPasswordLength is < 8 or > 128)
        {
            errors.Add("AuthServer:Users:MinimumPasswordLength must be between 8 and 128.");
        }

        if (o.Users.MaxFailedAttempts is < 1 or > 100)
        {
            errors.Add("AuthServer:Users:MaxFailedAttempts must be between 1 and 100.");
        }

        Positive(errors, "AuthServer:Users:LockoutDuration", o.Users.LockoutDuration);
        Positive(errors, "AuthServer:Users:SessionLifetime", o.Users.SessionLifetime);
        o.Health.Validate(errors);
        o.Http.Validate(o.Issuer, errors);
        errors.AddRange(o.RateLimits.Problems());

        errors.AddRange(o.Telemetry.Problems());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsMasterKey(string base64)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var n) && n == 32;
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be a positive time span such as 00:00:30.");
        }
    }
}
