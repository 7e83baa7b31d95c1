using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace AuthServer.Http;

/// <summary>
/// A request no handler of a page answers (a POST to a page that only has OnGet, or ?handler=x that names none) gets
/// 405 or 404. Razor Pages would otherwise render the page without running any handler, with its model unset.
/// </summary>
public sealed class PageHandlerRequired : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var handlers = context.ActionDescriptor.HandlerMethods;
        if (context.HandlerMethod is not null || handlers.Count == 0)
        {
            return next();
        }

        // RFC 9110 §15.5.6: the page exists, but not for this method; §15.5.5: no handler by that name.
        var method = context.HttpContext.Request.Method;
        context.Result = handlers.Any(h => h.HttpMethod.Equals(method, StringComparison.OrdinalIgnoreCase)
                || (HttpMethods.IsHead(method) && h.HttpMethod.Equals("GET", StringComparison.OrdinalIgnoreCase)))
            ? new NotFoundResult()
            : new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
        return Task.CompletedTask;
    }
}
