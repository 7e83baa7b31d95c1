using AuthServer.Configuration;
using AuthServer.Data.Stores;
using AuthServer.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;

namespace AuthServer.Http;

/// <summary>
/// The HTTP layer's defences, wired in one place: request limits, believed forwarded headers, HTTPS (or loopback-only
/// plain HTTP), security headers on every response, and CORS for the endpoints browsers call. docs/http-hardening.md.
/// </summary>
public static class HttpHardening
{
    /// <summary>Kestrel's limits, the form limits, and the CORS origin cache.</summary>
    public static void AddAuthServerHttpHardening(this WebApplicationBuilder builder, AuthServerOptions options)
    {
        // ASP.NET Core's own switch believes X-Forwarded-* from every peer; AuthServer:Http:TrustedProxies names them.
        if (string.Equals(builder.Configuration["FORWARDEDHEADERS_ENABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException(
                "ASPNETCORE_FORWARDEDHEADERS_ENABLED=true would believe X-Forwarded-For and X-Forwarded-Proto from anyone who " +
                "connects. Remove it and list your reverse proxies in AuthServer:Http:TrustedProxies (e.g. " +
                "AuthServer__Http__TrustedProxies__0=10.0.0.2); see docs/http-hardening.md.");
        }

        var http = options.Http;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = http.MaxRequestBodySize;
            k.Limits.MaxRequestHeadersTotalSize = http.MaxRequestHeadersTotalSize;
            k.Limits.MaxRequestHeaderCount = http.MaxRequestHeaderCount;
        });
        builder.Services.Configure<FormOptions>(f =>
        {
            f.ValueCountLimit = http.MaxFormValueCount;
            f.KeyLengthLimit = http.MaxFormKeyLength;
            f.ValueLengthLimit = http.MaxFormValueLength;
            f.MultipartBodyLengthLimit = http.MaxRequestBodySize;
        });
        builder.Services.AddSingleton<CorsOriginStore>();
    }

    /// <summary>
    /// First in the pipeline: the security headers (so every later answer, refusals included, carries them), the
    /// trusted proxies' forwarded headers, then the transport rule.
    /// </summary>
    public static void UseAuthServerHttpHardening(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<AuthServerOptions>();
        var http = options.Http;
        var requireHttps = http.RequiresHttps(app.Environment);
        app.UseMiddleware<SecurityHeadersMiddleware>(requireHttps ? http.Hsts.HeaderValue() : "");
        if (http.TrustedProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions
            {
                // Not X-Forwarded-Host: every URL this server writes comes from the configured issuer.
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
                ForwardLimit = http.ForwardLimit,
            };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in http.TrustedNetworks())
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            app.UseForwardedHeaders(forwarded);
        }

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpHardening));
        if (!requireHttps)
        {
            log.Log(app.Environment.IsDevelopment() ? LogLevel.Information : LogLevel.Warning,
                "AuthServer:Http:RequireHttps is false: plain HTTP is served to callers on this machine (loopback) only.");
        }

        app.UseMiddleware<TransportSecurityMiddleware>(requireHttps, options.Issuer);
    }

    /// <summary>In the protocol branch, after its error handling: CORS for token, userinfo, revoke, discovery and JWKS.</summary>
    public static IApplicationBuilder UseAuthServerCors(this IApplicationBuilder protocol) =>
        protocol.UseMiddleware<BrowserCorsMiddleware>();
}
