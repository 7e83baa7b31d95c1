namespace AuthServer.Http;

/// <summary>
/// Headers for the server-rendered pages: no framing (clickjacking on the sign-in form), no sniffing, no referrer,
/// nothing loaded from anywhere but here, no inline script, and no caching of pages that show who is signed in.
/// </summary>
public static class PageSecurityHeaders
{
    // No form-action: browsers apply it to every redirect after a form is posted, and signing in, enrolling MFA or
    // consenting ends with a redirect to the client's redirect URI, which no static list of sources can name.
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    public static IApplicationBuilder UsePageSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (!context.Request.Path.StartsWithSegments("/assets", StringComparison.OrdinalIgnoreCase))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
