namespace AuthServer.Account;

/// <summary>
/// Where the account pages may send the browser afterwards: a path on this server, never anywhere else. Anything
/// that a browser could read as another host (`//evil`, `/\evil`, `https://evil`, control characters, encoded
/// tricks that decode to those) is refused.
/// </summary>
public static class LocalReturnUrl
{
    public const string Home = "/";
    private const int MaxLength = 4096;

    public static bool IsSafe(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/')
        {
            return false;
        }

        // A second '/' or '\' makes a scheme-relative URL; browsers treat '\' as '/'.
        if (url.Length > 1 && url[1] is '/' or '\\')
        {
            return false;
        }

        foreach (var c in url)
        {
            if (c is '\\' || char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        // The same rules again after one round of percent-decoding, for servers or proxies that decode once.
        var decoded = Uri.UnescapeDataString(url);
        return decoded == url || (decoded.Length > 0 && decoded[0] == '/' && !(decoded.Length > 1 && decoded[1] is '/' or '\\')
            && !decoded.Any(c => c is '\\' || char.IsControl(c)));
    }

    /// <summary>The URL if it is safe; otherwise the home page.</summary>
    public static string OrHome(string? url) => IsSafe(url) ? url! : Home;
}
