using Microsoft.Extensions.Primitives;

namespace AuthServer.Validation;

/// <summary>The bearer token of a request: only the Authorization header is read (RFC 6750 §2.1), never query or form.</summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>Null when the request carries no bearer token; otherwise the token, or a null Token when ambiguous.</summary>
    public static Presented? Read(StringValues authorization)
    {
        var bearer = authorization.Where(v => v is not null && v.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)).ToList();
        if (bearer.Count == 0)
        {
            // No token at all, or another scheme's credentials: not ours to refuse (RFC 6750 §3.1).
            return null;
        }

        var token = bearer[0]![Scheme.Length..].Trim();
        return bearer.Count == 1 && authorization.Count == 1 && token.Length > 0 ? new Presented(token) : new Presented(null);
    }

    /// <summary>The compact JWS shape: three dot-separated parts (RFC 7515 §7.1).</summary>
    public static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2;

    /// <summary>RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".</summary>
    public static bool IsB64Token(string value)
    {
        var end = value.Length;
        while (end > 0 && value[end - 1] == '=')
        {
            end--;
        }

        if (end == 0)
        {
            return false;
        }

        for (var i = 0; i < end; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(value[i]) || value[i] is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    public sealed record Presented(string? Token);
}
