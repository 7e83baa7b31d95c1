using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Http.Features;

namespace AuthServer.Admin.Resources;

/// <summary>What the catalog endpoints share: names in the path, the actor of a change, and results as HTTP.</summary>
internal static class ResourceHttp
{
    /// <summary>How a resource is named in a path; the OpenAPI summaries repeat it.</summary>
    public const string NameScheme =
        "The name is one URL-encoded path segment: an API named https://api.example.com/orders is /apis/https%3A%2F%2Fapi.example.com%2Forders.";

    /// <summary>
    /// The resource name from the last path segment, decoded exactly once from the raw request target. (The routed
    /// value keeps %2F encoded but has already decoded everything else, so decoding it again would corrupt a '%'.)
    /// </summary>
    public static string NameFromPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = string.IsNullOrEmpty(raw) ? context.Request.Path.Value ?? "" : raw.Split('?', 2)[0];
        var segment = path[(path.LastIndexOf('/') + 1)..];
        try
        {
            return Uri.UnescapeDataString(segment);
        }
        catch (UriFormatException)
        {
            return segment;
        }
    }

    public static string Location(string collection, string name) => $"{AdminApi.BasePath}/{collection}/{Uri.EscapeDataString(name)}";

    /// <summary>404, 409 with why, 400 with each bad field, or <paramref name="ok"/>.</summary>
    public static IResult ToHttp<T>(ResourceResult<T> result, string what, Func<T, IResult> ok)
    {
        if (result.NotFound)
        {
            return AdminApi.NotFound(what);
        }

        if (result.Conflict is { } conflict)
        {
            return AdminApi.Conflict(conflict);
        }

        return result.Errors.Count > 0 ? AdminApi.Invalid(result.Errors.Select(e => (e.Field, e.Message))) : ok(result.Value!);
    }

    public static Paged<T> Paged<T>((IReadOnlyList<T> Items, int Total) list, PageRequest page) =>
        new(list.Items, page.Page, page.Size, list.Total);
}
