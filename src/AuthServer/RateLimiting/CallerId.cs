using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace AuthServer.RateLimiting;

/// <summary>
/// Which client a protocol request says it is, for counting only (authentication happens later, at the endpoint):
/// the user name of an HTTP Basic header (RFC 6749 §2.3.1), else the form's client_id (client_secret_post, public
/// clients, and RFC 7523 §2.2 clients that send it beside their assertion). Never throws: anything unreadable is
/// "no client", and the request is counted by its source instead.
/// </summary>
public static class CallerId
{
    /// <summary>Longer ids are no registered client's; counting them as one keeps memory bounded.</summary>
    internal const int MaxLength = 200;

    private const string BasicScheme = "Basic ";

    // Id, colon and secret of any real client fit easily; a longer header is counted by its source.
    private const int MaxEncodedLength = 1024;

    // The last Basic header read and its client id. A client on a kept-alive connection sends the same header again and
    // again (Kestrel even hands out the same string), so the hot path is one comparison. Swapped whole, never torn.
    private static Parsed? _last;

    public static string? FromBasic(HttpRequest request)
    {
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } header)
        {
            return null;
        }

        var last = _last;
        if (last is not null && (ReferenceEquals(last.Header, header) || string.Equals(last.Header, header, StringComparison.Ordinal)))
        {
            return last.ClientId;
        }

        var clientId = ParseBasic(header);
        if (clientId is not null)
        {
            _last = new Parsed(header, clientId);
        }

        return clientId;
    }

    /// <summary>The client_id of a form already read (see <see cref="RateLimitMiddleware"/>); never reads the body itself.</summary>
    public static string? FromForm(HttpContext context, string field = "client_id")
    {
        if (context.Features.Get<IFormFeature>()?.Form is not { } form || !form.TryGetValue(field, out var values) || values.Count == 0)
        {
            return null;
        }

        var value = values[0];
        return string.IsNullOrEmpty(value) || value.Length > MaxLength ? null : value;
    }

    internal static string? ParseBasic(string header)
    {
        if (!header.StartsWith(BasicScheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = header.AsSpan(BasicScheme.Length).Trim();
        Span<byte> buffer = stackalloc byte[MaxEncodedLength / 4 * 3];
        if (encoded.Length is 0 or > MaxEncodedLength || !Convert.TryFromBase64Chars(encoded, buffer, out var length))
        {
            return null;
        }

        var decoded = buffer[..length];
        try
        {
            var colon = decoded.IndexOf((byte)':');
            if (colon is <= 0 or > MaxLength)
            {
                return null;
            }

            var id = decoded[..colon];
            if (!Utf8.IsValid(id))
            {
                return null;
            }

            if (id.IndexOfAny((byte)'%', (byte)'+') < 0)
            {
                return Encoding.UTF8.GetString(id);
            }

            // Form-urlencoded (RFC 6749 §2.3.1): rare, so the plain way.
            var unescaped = Uri.UnescapeDataString(Encoding.UTF8.GetString(id).Replace('+', ' '));
            return unescaped.Length > 0 ? unescaped : null;
        }
        finally
        {
            // The secret was decoded here too: leave none of it on the stack.
            decoded.Clear();
        }
    }

    private sealed record Parsed(string Header, string ClientId);
}
