using AuthServer.Data;

namespace AuthServer.Http;

/// <summary>
/// What every branch (protocol, admin API, pages) does when a request failed because the database is away: log it
/// (no stack trace: during an outage every request fails the same way), drop the dead pooled connections, and tell
/// the client when to retry. The body is the branch's own (RFC 6749 §5.2 JSON, problem details, a page).
/// </summary>
public static class DatabaseOutageResponse
{
    /// <summary>Seconds a client is asked to wait (Retry-After, RFC 9110 §10.2.3) before it retries.</summary>
    public const int RetryAfterSeconds = 5;

    public static void Record(HttpContext context, Exception e, ILogger log)
    {
        log.LogWarning("{Path}: the database is unavailable ({Type}: {Reason})",
            context.Request.Path.Value, Innermost(e).GetType().Name, Innermost(e).Message);
        context.RequestServices.GetRequiredService<AuthServerDatabase>().ClearPool();
    }

    /// <summary>503 with Retry-After; the caller writes the body.</summary>
    public static void SetStatus(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
