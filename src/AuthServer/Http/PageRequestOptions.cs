using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace AuthServer.Http;

/// <summary>How the pages read a request: only by a handler of theirs, and only from plain form and query keys.</summary>
public static class PageRequestOptions
{
    public static void Apply(MvcOptions options)
    {
        options.Filters.Add<PageHandlerRequired>();
        options.Filters.Add<NulInputPageFilter>();

        // No form here posts jQuery-style keys (a[b][c]); their normalizer throws ArgumentException on a key like "x[",
        // which made any such field a 500. Plain keys (Form.GrantTypes, Scopes=a&Scopes=b) are read as before.
        options.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
        options.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
    }
}
