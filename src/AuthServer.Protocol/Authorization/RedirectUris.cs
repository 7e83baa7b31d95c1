namespace AuthServer.Protocol.Authorization;

/// <summary>
/// Redirect URIs are compared as strings, exactly (RFC 9700 §4.1.3). The one exception the BCP and RFC 8252 §7.3
/// require: a native app's loopback IP redirect (http://127.0.0.1 or http://[::1]) may come with any port.
/// </summary>
public static class RedirectUris
{
    private static readonly string[] LoopbackPrefixes = ["http://127.0.0.1", "http://[::1]"];

    public static bool Matches(IEnumerable<string> registered, string? presented) =>
        presented is not null && registered.Any(r => Matches(r, presented));

    public static bool Matches(string registered, string presented)
    {
        if (string.Equals(registered, presented, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var prefix in LoopbackPrefixes)
        {
            if (registered.StartsWith(prefix, StringComparison.Ordinal) && presented.StartsWith(prefix, StringComparison.Ordinal))
            {
                return string.Equals(WithoutPort(registered, prefix.Length), WithoutPort(presented, prefix.Length), StringComparison.Ordinal)
                    && WithoutPort(presented, prefix.Length) is { } rest && (rest.Length == 0 || rest[0] == '/');
            }
        }

        return false;
    }

    /// <summary>Why a URI cannot be registered as a redirect URI, or null if it can.</summary>
    public static string? RegistrationError(string? uri)
    {
        if (string.IsNullOrEmpty(uri) || uri.Length > 2000)
        {
            return "must be an absolute URI of at most 2000 characters";
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || uri.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "must be an absolute URI";
        }

        // RFC 6749 §3.1.2: no fragment. No wildcards: matching is exact.
        if (uri.Contains('#') || uri.Contains('*'))
        {
            return "must not have a fragment or a wildcard";
        }

        if (parsed.UserInfo.Length > 0 || uri.Contains('@'))
        {
            return "must not contain user information ('@')";
        }

        return parsed.Scheme switch
        {
            "https" => null,
            "http" when parsed.IsLoopback => null,
            "http" => "must use https (http only for a loopback address such as http://127.0.0.1)",

            // RFC 8252 §7.1: a native app's private-use scheme is a reversed domain name it controls.
            _ when parsed.Scheme.Contains('.') && parsed.Scheme is not ("javascript" or "data" or "file" or "vbscript") => null,
            _ => "must use https, a loopback http address, or a private-use scheme in reverse-domain form (com.example.app:/callback)",
        };
    }

    /// <summary>The text after "http://host" with a leading ":port" removed; null if the port is not 1-65535 digits.</summary>
    private static string? WithoutPort(string uri, int hostEnd)
    {
        var rest = uri[hostEnd..];
        if (rest.Length == 0 || rest[0] != ':')
        {
            return rest;
        }

        var end = 1;
        while (end < rest.Length && char.IsAsciiDigit(rest[end]))
        {
            end++;
        }

        return end is > 1 and <= 6 && int.Parse(rest.AsSpan(1, end - 1), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 65535
            ? rest[end..]
            : null;
    }
}
