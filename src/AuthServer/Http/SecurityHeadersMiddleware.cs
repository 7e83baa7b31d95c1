namespace AuthServer.Http;

/// <summary>
/// Headers on every response, whoever writes it (an endpoint, an error handler, a refusal, a 404): no content-type
/// sniffing, no referrer, no framing, and a Content-Security-Policy. A response that set its own (the pages' strict
/// policy, the form_post page's) keeps it; other HTML gets the pages' policy and everything else (JSON, CSS, script)
/// the tightest one. Over HTTPS, when HTTPS is required, Strict-Transport-Security (RFC 6797).
/// </summary>
public sealed class SecurityHeadersMiddleware
{
    /// <summary>Nothing may be loaded or run by a JSON document, and nothing may frame it.</summary>
    public const string NonPagePolicy = "default-src 'none'; frame-ancestors 'none'";

    private readonly RequestDelegate _next;
    private readonly string? _hsts;
    private readonly Func<object, Task> _onStarting;

    /// <param name="hsts">The Strict-Transport-Security value; empty when HTTPS is not required (no HSTS for a development host).</param>
    public SecurityHeadersMiddleware(RequestDelegate next, string hsts)
    {
        _next = next;
        _hsts = hsts.Length > 0 ? hsts : null;
        _onStarting = state => Apply((HttpContext)state);
    }

    public Task InvokeAsync(HttpContext context)
    {
        // OnStarting callbacks run last-registered first, so this one, registered before any other, runs last and
        // fills in only what the response did not set.
        context.Response.OnStarting(_onStarting, context);
        return _next(context);
    }

    private Task Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        if (headers.XContentTypeOptions.Count == 0)
        {
            headers.XContentTypeOptions = "nosniff";
        }

        if (!headers.ContainsKey("Referrer-Policy"))
        {
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (headers.ContentSecurityPolicy.Count == 0)
        {
            headers.ContentSecurityPolicy = IsHtml(context.Response.ContentType) ? PageSecurityHeaders.ContentSecurityPolicy : NonPagePolicy;
        }

        if (_hsts is not null && context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = _hsts;
        }

        return Task.CompletedTask;
    }

    /// <summary>text/html, with or without parameters (a prefix test: this runs on every response).</summary>
    private static bool IsHtml(string? contentType)
    {
        var media = contentType.AsSpan().TrimStart();
        return media.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
               && (media.Length == 9 || media[9] is ';' or ' ' or '\t');
    }
}
