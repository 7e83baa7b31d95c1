using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace AuthServer.Http;

/// <summary>
/// No input of this server may hold a NUL character: PostgreSQL text cannot store one (the query fails, which looked
/// like a database outage), and no name, URI or value here needs one. The protocol parameters are checked by
/// ProtocolParameters; this refuses it, with 400, in the query of pages and admin API requests and in page forms.
/// </summary>
public static class NulInput
{
    /// <summary>For the pages and admin API branches: a query with %00 is refused before anything reads it.</summary>
    public static IApplicationBuilder UseNulQueryRefusal(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.QueryString.Value?.Contains("%00", StringComparison.Ordinal) == true)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        return next(context);
    });
}

/// <summary>The page side of <see cref="NulInput"/>: a posted form field with a NUL is a 400.</summary>
public sealed class NulInputPageFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                // A body that is not a form (too many keys, a key over the limit, cut short) is the client's error.
                context.Result = new BadRequestResult();
                return;
            }

            if (form.Any(f => f.Key.Contains('\0') || f.Value.Any(v => v?.Contains('\0') == true)))
            {
                context.Result = new BadRequestResult();
                return;
            }
        }

        await next();
    }
}
