using System.Net;
using AuthServer.Data;
using Microsoft.AspNetCore.Diagnostics;

namespace AuthServer.Http;

/// <summary>Errors on the pages: a short page that says what happened, never an exception's text.</summary>
public static class PageErrors
{
    public static IApplicationBuilder UsePageErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(failed => failed.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;

            // The database being away is not our bug: say so, and when to come back (503 with Retry-After).
            if (error is not null && DatabaseOutage.IsOutage(error))
            {
                DatabaseOutageResponse.Record(context, error, context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PageErrors)));
                DatabaseOutageResponse.SetStatus(context.Response);
                return WriteAsync(context, StatusCodes.Status503ServiceUnavailable);
            }

            // A body Kestrel refused to read (above AuthServer:Http:MaxRequestBodySize: 413) is the caller's doing, not a 500.
            return WriteAsync(context, error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        }));
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
        return app.UseBadHttpRequestStatus().UseNulQueryRefusal();
    }

    /// <summary>The error page for <paramref name="status"/>, with <paramref name="message"/> or the status's usual one.</summary>
    internal static Task WriteAsync(HttpContext context, int status, string? message = null)
    {
        message ??= status switch
        {
            StatusCodes.Status400BadRequest => "The request was not valid. If you were submitting a form, go back, reload the page and try again.",
            StatusCodes.Status403Forbidden =>
                "You are signed in, but not allowed here. Admin pages need the admin role and a sign-in with a second factor " +
                "(set one up under Two-step sign-in, then sign out and in again).",
            StatusCodes.Status404NotFound => "There is no such page.",
            StatusCodes.Status405MethodNotAllowed => "That action is not possible here.",
            StatusCodes.Status503ServiceUnavailable =>
                "The service is temporarily unavailable. Nothing is lost: try again in a few seconds.",
            >= 500 => "Something went wrong on our side. It has been logged; try again in a moment.",
            _ => "The request could not be completed.",
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        var title = WebUtility.HtmlEncode(ReasonPhrase(status));
        return context.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{title} · AuthServer</title>
            <link rel="stylesheet" href="/assets/site.css"></head>
            <body><main class="card"><h1>{title}</h1><p>{WebUtility.HtmlEncode(message)}</p><p><a href="/">Home</a></p></main></body></html>
            """);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
