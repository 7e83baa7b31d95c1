namespace AuthServer.Http;

/// <summary>
/// A body Kestrel cannot deliver (too large, cut short, a lying Content-Length, bad chunking) surfaces as a
/// BadHttpRequestException wherever the body is read. On the pages and the admin API it becomes its own status
/// (400, 408, 413), which the branch's status-code page or problem details then describe; it is the client's fault,
/// so it is logged at Information, not as an unhandled exception. (The protocol branch has ErrorResponseMiddleware.)
/// </summary>
public static class BadHttpRequests
{
    public static IApplicationBuilder UseBadHttpRequestStatus(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadHttpRequests))
                .LogInformation("{Path}: bad HTTP request ({Reason})", context.Request.Path.Value, e.Message);
            context.Response.Clear();
            context.Response.StatusCode = e.StatusCode;
        }
    });
}
