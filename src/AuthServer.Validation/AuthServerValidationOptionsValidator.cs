using System.Net;
using Microsoft.Extensions.Options;

namespace AuthServer.Validation;

/// <summary>Checks the options once, at start: every message says what to fix.</summary>
internal sealed class AuthServerValidationOptionsValidator : IValidateOptions<AuthServerValidationOptions>
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxIntrospectionCacheDuration = TimeSpan.FromMinutes(10);

    // Asymmetric JWS algorithms (RFC 7518 §3.1) that Wilson verifies. HS* is excluded on purpose: with a shared
    // secret every API could mint tokens, and an HMAC "keyed" with a public key is the classic confusion attack.
    internal static readonly IReadOnlySet<string> AsymmetricAlgorithms = new HashSet<string>(StringComparer.Ordinal)
    {
        "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    };

    public ValidateOptionsResult Validate(string? name, AuthServerValidationOptions options)
    {
        var errors = new List<string>();
        void Fail(string message) => errors.Add($"AuthServer validation (scheme '{name}'): {message}");

        if (!TryParseAuthority(options.Authority, out var authority))
        {
            Fail($"Authority must be an absolute http(s) URL without query or fragment, e.g. https://auth.example.com; got '{options.Authority}'.");
        }
        else if (options.RequireHttps && !IsHttpsOrLoopback(authority))
        {
            Fail($"Authority must use https (got '{options.Authority}'); http is allowed only on a loopback host or with RequireHttps = false.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            Fail("Audience is required: this API's resource identifier, which access tokens carry in aud.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            Fail($"ClockSkew must be between 0 and {MaxClockSkew}; got {options.ClockSkew}.");
        }

        if (options.AllowedAlgorithms.Count == 0)
        {
            Fail("AllowedAlgorithms is empty; AuthServer signs with ES256 and RS256.");
        }

        foreach (var alg in options.AllowedAlgorithms.Where(a => !AsymmetricAlgorithms.Contains(a)))
        {
            Fail($"AllowedAlgorithms contains '{alg}'; only asymmetric algorithms are accepted ({string.Join(", ", AsymmetricAlgorithms)}), never none or HS*.");
        }

        ValidateCacheLifetimes(options, Fail);

        if (options.MaxTokenLength is < 1024 or > 1024 * 1024)
        {
            Fail($"MaxTokenLength must be between 1024 and 1048576; got {options.MaxTokenLength}.");
        }

        if (options.BackchannelTimeout < TimeSpan.FromSeconds(1) || options.BackchannelTimeout > TimeSpan.FromMinutes(1))
        {
            Fail($"BackchannelTimeout must be between 1 s and 1 min; got {options.BackchannelTimeout}.");
        }

        if (options.Introspection is { } introspection)
        {
            ValidateIntrospection(introspection, Fail);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>An absolute http(s) URL with neither query nor fragment (RFC 8414 §2: the issuer identifier).</summary>
    internal static bool TryParseAuthority(string? value, out Uri authority)
    {
        authority = null!;
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return false;
        }

        authority = uri;
        return uri.Scheme is "https" or "http" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            && uri.UserInfo.Length == 0;
    }

    internal static bool IsHttpsOrLoopback(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttps
        || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static void ValidateCacheLifetimes(AuthServerValidationOptions options, Action<string> fail)
    {
        if (options.MinMetadataCacheLifetime < TimeSpan.FromSeconds(1))
        {
            fail($"MinMetadataCacheLifetime must be at least 1 s; got {options.MinMetadataCacheLifetime}.");
        }

        if (options.MaxMetadataCacheLifetime < options.MinMetadataCacheLifetime)
        {
            fail($"MaxMetadataCacheLifetime ({options.MaxMetadataCacheLifetime}) must not be below MinMetadataCacheLifetime ({options.MinMetadataCacheLifetime}).");
        }

        if (options.MetadataCacheLifetime < options.MinMetadataCacheLifetime || options.MetadataCacheLifetime > options.MaxMetadataCacheLifetime)
        {
            fail($"MetadataCacheLifetime ({options.MetadataCacheLifetime}) must lie between MinMetadataCacheLifetime and MaxMetadataCacheLifetime.");
        }

        // Zero would let every unknown kid fetch the JWKS: the very flood the throttle exists to stop.
        if (options.RefreshThrottle < TimeSpan.FromSeconds(1) || options.RefreshThrottle > TimeSpan.FromHours(1))
        {
            fail($"RefreshThrottle must be between 1 s and 1 h; got {options.RefreshThrottle}.");
        }
    }

    private static void ValidateIntrospection(AuthServerIntrospectionOptions introspection, Action<string> fail)
    {
        if (string.IsNullOrEmpty(introspection.ClientId) || string.IsNullOrEmpty(introspection.ClientSecret))
        {
            fail("Introspection needs ClientId and ClientSecret: RFC 7662 §2.1 requires the caller to authenticate.");
        }

        if (introspection.CacheDuration < TimeSpan.Zero || introspection.CacheDuration > MaxIntrospectionCacheDuration)
        {
            fail($"Introspection.CacheDuration must be between 0 and {MaxIntrospectionCacheDuration}; got {introspection.CacheDuration}.");
        }

        if (introspection.MaxCacheEntries is < 1 or > 1_000_000)
        {
            fail($"Introspection.MaxCacheEntries must be between 1 and 1000000; got {introspection.MaxCacheEntries}.");
        }
    }
}
