namespace AuthServer.Endpoints;

/// <summary>The pages' stylesheet, embedded in the assembly so it ships wherever the server does (no CDN, no wwwroot).</summary>
public static class AssetEndpoints
{
    public const string StylesheetPath = "/assets/site.css";

    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        using var stream = typeof(AssetEndpoints).Assembly.GetManifestResourceStream("assets/site.css")
            ?? throw new InvalidOperationException("The embedded stylesheet assets/site.css is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static async Task WriteStylesheetAsync(HttpContext http)
    {
        http.Response.ContentType = "text/css; charset=utf-8";
        http.Response.Headers.CacheControl = "public, max-age=3600";
        http.Response.ContentLength = Stylesheet.Value.Length;
        await http.Response.Body.WriteAsync(Stylesheet.Value, http.RequestAborted);
    }
}
