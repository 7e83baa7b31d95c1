using System.Net;

namespace AuthServer.Http;

/// <summary>
/// The "AuthServer:Http" section: transport security (HTTPS, HSTS), which proxies' forwarded headers are believed,
/// and the size limits of a request. docs/http-hardening.md explains each setting.
/// </summary>
public sealed class HttpHardeningOptions
{
    /// <summary>
    /// Refuse every request that did not arrive over HTTPS (directly, or through a trusted proxy that says
    /// X-Forwarded-Proto: https), except /health/*. Unset: true outside the Development environment, false in it.
    /// When false, plain HTTP is served to loopback callers only.
    /// </summary>
    public bool? RequireHttps { get; set; }

    /// <summary>
    /// Addresses (10.0.0.5, ::1) or networks (10.0.0.0/8) of the reverse proxies whose X-Forwarded-For and
    /// X-Forwarded-Proto are believed. Empty (the default): no forwarded header is believed from anyone.
    /// X-Forwarded-Host is never read: every URL this server writes comes from AuthServer:Issuer.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How many trusted proxies in a row may each add an X-Forwarded-For entry (nginx alone: 1).</summary>
    public int ForwardLimit { get; set; } = 1;

    public HstsOptions Hsts { get; set; } = new();

    /// <summary>The largest request body (Kestrel's limit): protocol requests and sign-in forms are a few KiB.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024;

    /// <summary>The largest total size of a request's headers (Kestrel answers 431 above it).</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 16 * 1024;

    /// <summary>The most headers a request may have (Kestrel answers 431 above it).</summary>
    public int MaxRequestHeaderCount { get; set; } = 64;

    /// <summary>The most parameters a form may have (a protocol request above it is an invalid_request).</summary>
    public int MaxFormValueCount { get; set; } = 100;

    /// <summary>The longest name of a form parameter.</summary>
    public int MaxFormKeyLength { get; set; } = 256;

    /// <summary>The longest value of a form parameter (a client assertion or a subject token is a few KiB).</summary>
    public int MaxFormValueLength { get; set; } = 32 * 1024;

    /// <summary>RequireHttps with its environment default applied.</summary>
    public bool RequiresHttps(IHostEnvironment environment) => RequireHttps ?? !environment.IsDevelopment();

    /// <summary>The trusted proxies as networks (a single address is a /32 or /128); call after <see cref="Validate"/>.</summary>
    public IReadOnlyList<IPNetwork> TrustedNetworks() => TrustedProxies.Select(p => TryParseNetwork(p, out var n) ? n : throw new FormatException(p)).ToList();

    /// <summary>Adds what to fix to <paramref name="errors"/>. RequireHttps is checked against the issuer once it is resolved.</summary>
    public void Validate(string issuer, List<string> errors)
    {
        if (RequireHttps == true && Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && uri.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"AuthServer:Issuer '{issuer}' must use https because AuthServer:Http:RequireHttps is true (the default " +
                       "outside the Development environment). Set an https issuer (TLS on Kestrel or on a trusted proxy), or " +
                       "AuthServer:Http:RequireHttps=false for a server that only callers on this machine reach.");
        }

        foreach (var proxy in TrustedProxies)
        {
            if (!TryParseNetwork(proxy, out _))
            {
                errors.Add($"AuthServer:Http:TrustedProxies: '{proxy}' is neither an IP address (10.0.0.5, ::1) nor a network (10.0.0.0/8, fd00::/8).");
            }
        }

        Range(errors, "ForwardLimit", ForwardLimit, 1, 10);
        if (Hsts.MaxAge < TimeSpan.Zero || Hsts.MaxAge > TimeSpan.FromDays(730))
        {
            errors.Add("AuthServer:Http:Hsts:MaxAge must be between 00:00:00 (browsers forget the policy) and 730.00:00:00 (two years).");
        }

        Range(errors, "MaxRequestBodySize", MaxRequestBodySize, 1024, 10 * 1024 * 1024);
        Range(errors, "MaxRequestHeadersTotalSize", MaxRequestHeadersTotalSize, 4 * 1024, 1024 * 1024);
        Range(errors, "MaxRequestHeaderCount", MaxRequestHeaderCount, 16, 1000);
        Range(errors, "MaxFormValueCount", MaxFormValueCount, 16, 10_000);
        Range(errors, "MaxFormKeyLength", MaxFormKeyLength, 64, 64 * 1024);
        Range(errors, "MaxFormValueLength", MaxFormValueLength, 1024, MaxRequestBodySize);
    }

    private static bool TryParseNetwork(string value, out IPNetwork network)
    {
        var text = value.Trim();
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/'))
        {
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }

    private static void Range(List<string> errors, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"AuthServer:Http:{name} must be between {min} and {max} (it is {value}).");
        }
    }
}

/// <summary>Strict-Transport-Security (RFC 6797), sent on HTTPS responses when HTTPS is required.</summary>
public sealed class HstsOptions
{
    /// <summary>How long browsers remember to use only HTTPS (RFC 6797 §6.1.1 max-age).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Extend the policy to every subdomain of the issuer's host (RFC 6797 §6.1.2). Off by default: with an issuer
    /// such as https://example.com it would bind every site under example.com to HTTPS.
    /// </summary>
    public bool IncludeSubDomains { get; set; }

    public string HeaderValue() =>
        $"max-age={(long)MaxAge.TotalSeconds}" + (IncludeSubDomains ? "; includeSubDomains" : "");
}
