using System.Globalization;
using AuthServer.Admin;
using AuthServer.Http;
using AuthServer.Signals;

namespace AuthServer.RateLimiting;

/// <summary>
/// The answer to a refused request: 429 Too Many Requests (RFC 6585 §4) with Retry-After in seconds, in the form
/// of the part of the server it was sent to. Every refusal is counted (authserver.ratelimit.rejections by policy);
/// the warning log says so at most once a second per policy, with how many it did not list, so a flood of refusals
/// cannot become a flood of log lines.
/// </summary>
public sealed class RateLimitRejections(AuthServerMetrics metrics, ILogger<RateLimitRejections> log, TimeProvider time)
{
    /// <summary>
    /// RFC 6749 has no code for "too many requests". temporarily_unavailable (§4.1.2.1, in the OAuth error registry)
    /// is the registered code that means "retry later", and client libraries already treat it so; the status (429)
    /// and Retry-After say exactly why and when.
    /// </summary>
    public const string ProtocolError = "temporarily_unavailable";

    private readonly LogThrottle[] _throttles = Enum.GetValues<RateLimitPolicy>().Select(_ => new LogThrottle()).ToArray();

    internal ILogger Log => log;

    public Task WriteAsync(HttpContext context, RateLimitPolicy policy, TimeSpan? retryAfter)
    {
        metrics.RateLimited(policy.Name());
        LogRefusal(context, policy);

        // Whole seconds, rounded up (RFC 9110 §10.2.3); at least 1, so a client never retries at once.
        var seconds = retryAfter is { } wait ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)) : 1;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.XContentTypeOptions = "nosniff";
        var message = $"Too many requests; retry after {seconds} seconds.";

        if (IsProtocolRequest(context))
        {
            return ProtocolResults.WriteJsonAsync(response, StatusCodes.Status429TooManyRequests, w =>
            {
                w.WriteString("error", ProtocolError);
                w.WriteString("error_description", message);
            });
        }

        response.Headers.CacheControl = "no-store";
        if (AdminApi.IsApiRequest(context))
        {
            return AdminApi.Problem(StatusCodes.Status429TooManyRequests, message).ExecuteAsync(context);
        }

        if (context.Request.Path.StartsWithSegments(RateLimitMiddleware.HealthPath, StringComparison.OrdinalIgnoreCase))
        {
            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync(message);
        }

        // Pages: a small page of its own, with nothing to load (the stylesheet would be refused too).
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        return response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Too many requests · AuthServer</title></head>
            <body><h1>Too many requests</h1><p>Please wait {seconds} seconds, then try again.</p></body></html>
            """);
    }

    // As AuthServerApp sends them to ErrorResponseMiddleware: their errors are RFC 6749 §5.2 JSON.
    private static bool IsProtocolRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);

    private void LogRefusal(HttpContext context, RateLimitPolicy policy)
    {
        // Names only: the policy, the path (no query) and the source; never a client id or account name that was
        // typed (a password in the username field), never a header.
        if (_throttles[(int)policy].ShouldLog(time.GetUtcNow(), out var unlisted))
        {
            log.LogWarning(
                "Rate limit {Policy} refused {Method} {Path} from {Source} (and {Unlisted} other refusals of this policy since the last such line)",
                policy.Name(), context.Request.Method, context.Request.Path.Value, RequestSource.Of(context), unlisted);
        }
    }

    /// <summary>One line a second per policy; counts the refusals in between.</summary>
    private sealed class LogThrottle
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _next = DateTimeOffset.MinValue;
        private long _unlisted;

        public bool ShouldLog(DateTimeOffset now, out long unlisted)
        {
            lock (_lock)
            {
                if (now < _next)
                {
                    _unlisted++;
                    unlisted = 0;
                    return false;
                }

                _next = now.AddSeconds(1);
                unlisted = _unlisted;
                _unlisted = 0;
                return true;
            }
        }
    }
}
