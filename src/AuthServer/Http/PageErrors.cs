using System.Net;

namespace AuthServer.Http;

/// <summary>Errors on the pages: a short page that says what happened, never an exception's text.</summary>
public static class PageErrors
{
    public static IApplicationBuilder UsePageErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(failed => failed.Run(context => WriteAsync(context, StatusCodes.Status500InternalServerError)));
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
        return app.UseBadHttpRequestStatus().UseNulQueryRefusal();
    }

    private static Task WriteAsync(HttpContext context, int status)
    {
        var message = status switch
        {
            StatusCodes.Status400BadRequest => "The request was not valid. If you were submitting a form, go back, reload the page and try again.",
            StatusCodes.Status403Forbidden =>
                "You are signed in, but not allowed here. Admin pages need the admin role and a sign-in with a second factor " +
                "(set one up under Two-step sign-in, then sign out and in again).",
            StatusCodes.Status404NotFound => "There is no such page.",
            StatusCodes.Status405MethodNotAllowed => "That action is not possible here.",
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
