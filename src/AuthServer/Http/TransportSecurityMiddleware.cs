using System.Net;
using AuthServer.Admin;
using AuthServer.Protocol.Errors;

namespace AuthServer.Http;

/// <summary>
/// Refuses a request that did not arrive over HTTPS (directly, or through a trusted proxy that said
/// X-Forwarded-Proto: https) when HTTPS is required; when it is not, plain HTTP is still served only to callers on
/// this machine. /health/* is exempt: orchestrators probe over plain HTTP.
/// </summary>
/// <remarks>
/// A protocol request is never redirected: its credentials (a client secret, a code, a token) have already crossed the
/// network in the clear, and following a redirect would send them again. It is refused, so the client's author sees
/// the mistake. Only a GET of a page (which carries nothing secret) is redirected to the issuer's HTTPS URL.
/// </remarks>
public sealed class TransportSecurityMiddleware(RequestDelegate next, bool requireHttps, string issuer, ILogger<TransportSecurityMiddleware> log)
{
    public const string Refusal = "HTTPS is required.";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps
            || (!requireHttps && IsLoopback(context.Connection.RemoteIpAddress))
            || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        log.LogInformation("Refused a plain HTTP request for {Path} from {Source}", context.Request.Path.Value,
            Signals.RequestSource.Of(context));
        return RefuseAsync(context);
    }

    private Task RefuseAsync(HttpContext context)
    {
        if (AuthServerApp.IsProtocolRequest(context))
        {
            // RFC 6749 §3.1, §3.2: the authorization and token endpoints require TLS.
            return ProtocolResults.WriteErrorAsync(context.Response, OAuthException.InvalidRequest(Refusal));
        }

        if (AdminApi.IsApiRequest(context))
        {
            return AdminApi.Problem(StatusCodes.Status400BadRequest, Refusal).ExecuteAsync(context);
        }

        if (requireHttps && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            // The issuer (https, checked at start) names the public host; the request's Host header is not trusted.
            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = issuer + context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
            context.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }

        return PageErrors.WriteAsync(context, StatusCodes.Status400BadRequest,
            "This server answers over HTTPS only. Open the address with https:// and try again.");
    }

    /// <summary>The peer (after trusted-proxy processing) is this machine: 127.0.0.0/8 or ::1, also as an IPv4-mapped address.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
