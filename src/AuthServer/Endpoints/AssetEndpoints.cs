namespace AuthServer.Endpoints;

/// <summary>The pages' stylesheet and script, embedded in the assembly so they ship wherever the server does (no CDN, no wwwroot).</summary>
public static class AssetEndpoints
{
    public const string StylesheetPath = "/assets/site.css";
    public const string FormPostScriptPath = "/assets/form-post.js";
    public const string AdminStylesheetPath = "/assets/admin.css";

    private static readonly Lazy<byte[]> Stylesheet = new(() => Load("assets/site.css"));
    private static readonly Lazy<byte[]> FormPostScript = new(() => Load("assets/form-post.js"));
    private static readonly Lazy<byte[]> AdminStylesheet = new(() => Load("assets/admin.css"));

    public static Task WriteStylesheetAsync(HttpContext http) => WriteAsync(http, "text/css; charset=utf-8", Stylesheet.Value);

    public static Task WriteAdminStylesheetAsync(HttpContext http) => WriteAsync(http, "text/css; charset=utf-8", AdminStylesheet.Value);

    public static Task WriteFormPostScriptAsync(HttpContext http) => WriteAsync(http, "text/javascript; charset=utf-8", FormPostScript.Value);

    private static async Task WriteAsync(HttpContext http, string contentType, byte[] body)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = "public, max-age=3600";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(AssetEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded asset {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
