namespace AuthServer.Data.Import;

/// <summary>The rule for a client's CORS origins, shared by the importer and the admin API and pages.</summary>
public static class CorsOrigins
{
    /// <summary>
    /// Null when <paramref name="origin"/> is an origin written exactly as a browser sends it in the Origin header
    /// (RFC 6454 §6.1: lowercase scheme and host, a port only when not the default, no path); else why not.
    /// </summary>
    public static string? RegistrationError(string? origin)
    {
        const string Shape = "must be an origin such as https://app.example.com: scheme, host and optional port, no path";
        if (string.IsNullOrEmpty(origin) || origin.Length > 400)
        {
            return Shape;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.Ordinal))
        {
            return Shape + " (lowercase, without a trailing slash)";
        }

        return uri.Scheme switch
        {
            "https" => null,

            // Only a loopback origin may be plain http: a page served over http elsewhere can be altered in transit.
            "http" when uri.IsLoopback => null,
            "http" => "must use https (http only for a loopback origin such as http://127.0.0.1:3000)",
            _ => Shape,
        };
    }
}
