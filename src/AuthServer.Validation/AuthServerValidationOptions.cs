using Microsoft.AspNetCore.Authentication;

namespace AuthServer.Validation;

/// <summary>
/// How an API accepts AuthServer's access tokens. Validated when the application starts
/// (<see cref="AuthServerValidationOptionsValidator"/>); a misconfiguration stops the process with a message.
/// </summary>
public sealed class AuthServerValidationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// AuthServer's issuer URL, e.g. <c>https://auth.example.com</c>. Discovery is fetched from
    /// <c>{Authority}/.well-known/openid-configuration</c>; its <c>issuer</c> must equal this value (one trailing
    /// slash is ignored on either side). Required.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>This API's resource identifier: a token's <c>aud</c> must contain it exactly. Required.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// When true (the default), the authority, jwks_uri and introspection endpoint must be https, except on a
    /// loopback host (127.0.0.1, ::1, localhost).
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>Tolerance on exp and nbf for clocks that disagree a little. Default 30 s, at most 5 min.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The JWS algorithms a token may be signed with. Default ES256 and RS256 (what AuthServer signs with).
    /// Only asymmetric algorithms are accepted: never <c>none</c>, never HS*.
    /// </summary>
    public ISet<string> AllowedAlgorithms { get; } = new HashSet<string>(StringComparer.Ordinal) { "ES256", "RS256" };

    /// <summary>How long discovery and JWKS are kept when the JWKS response has no Cache-Control max-age. Default 5 min.</summary>
    public TimeSpan MetadataCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lower bound on the cache lifetime, whatever max-age says. Default 1 min.</summary>
    public TimeSpan MinMetadataCacheLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound on the cache lifetime, whatever max-age says. Default 24 h.</summary>
    public TimeSpan MaxMetadataCacheLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// At most one fetch of discovery and JWKS per this interval, including the refetch an unknown <c>kid</c>
    /// triggers, so a flood of tokens with made-up kids cannot hammer AuthServer. Default 30 s.
    /// </summary>
    public TimeSpan RefreshThrottle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longer bearer tokens are rejected before any parsing. Default 16 KiB.</summary>
    public int MaxTokenLength { get; set; } = 16 * 1024;

    /// <summary>Time limit on each request to AuthServer (discovery, JWKS, introspection). Default 10 s.</summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The client used to reach AuthServer. Default: the named <see cref="IHttpClientFactory"/> client
    /// <see cref="AuthServerValidationDefaults.BackchannelClientName"/>.
    /// </summary>
    public HttpClient? Backchannel { get; set; }

    /// <summary>Set to accept opaque (non-JWT) access tokens through RFC 7662 introspection. Null: JWTs only.</summary>
    public AuthServerIntrospectionOptions? Introspection { get; set; }

    // Built once per scheme after configuration (AuthServerValidationPostConfigure): shared by every request.
    internal AuthorityMetadataSource? Metadata { get; set; }

    internal IntrospectionClient? IntrospectionClient { get; set; }
}

/// <summary>RFC 7662 introspection for opaque access tokens: this API authenticates to AuthServer as a client.</summary>
public sealed class AuthServerIntrospectionOptions
{
    /// <summary>The client this API introspects as (it must be allowed to introspect tokens for <see cref="AuthServerValidationOptions.Audience"/>).</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>
    /// How long an introspection result (active or not) is reused; never beyond the token's exp. Default 30 s,
    /// at most 10 min; zero turns caching off. A revoked token may be accepted for up to this long.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most results held at once; the oldest is dropped when full. Default 10 000.</summary>
    public int MaxCacheEntries { get; set; } = 10_000;
}

/// <summary>Names this library uses.</summary>
public static class AuthServerValidationDefaults
{
    /// <summary>The default authentication scheme name.</summary>
    public const string AuthenticationScheme = "AuthServer";

    /// <summary>The <see cref="IHttpClientFactory"/> client used for discovery, JWKS and introspection.</summary>
    public const string BackchannelClientName = "AuthServer.Validation";

    /// <summary>Authentication property: <c>jwt</c> or <c>opaque</c>, how the token was validated.</summary>
    public const string TokenFormatProperty = "authserver.token_format";

    /// <summary>Authentication property: the JWT's <c>typ</c> header as sent (JWTs only).</summary>
    public const string TokenTypeProperty = "authserver.token_typ";
}
