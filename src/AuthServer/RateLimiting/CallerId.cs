using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace AuthServer.RateLimiting;

/// <summary>
/// Which client a protocol request says it is, for counting only (authentication happens later, at the endpoint):
/// the user name of an HTTP Basic header (RFC 6749 §2.3.1), else the form's client_id (client_secret_post, public
/// clients, RFC 7523 clients that send it beside their assertion), else the subject of a client_assertion. Never
/// throws: anything unreadable is "no client", and the request is counted by its source instead.
/// </summary>
public static class CallerId
{
    /// <summary>Longer ids are no registered client's; counting them as one keeps memory bounded.</summary>
    internal const int MaxLength = 200;

    private const string BasicScheme = "Basic ";

    // Id, colon and secret of any real client fit easily; a longer header is counted by its source.
    private const int MaxEncodedLength = 1024;

    // A signed assertion of a few claims is well under this; a longer one is counted by its source.
    private const int MaxAssertionLength = 16 * 1024;

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
    public static string? FromForm(HttpContext context, string field = "client_id", int maxLength = MaxLength)
    {
        if (context.Features.Get<IFormFeature>()?.Form is not { } form || !form.TryGetValue(field, out var values) || values.Count == 0)
        {
            return null;
        }

        var value = values[0];
        return string.IsNullOrEmpty(value) || value.Length > maxLength ? null : value;
    }

    /// <summary>
    /// The client a private_key_jwt assertion claims to be (RFC 7523 §3: sub, and iss, are the client id), read without
    /// checking the signature: only to pick a bucket, as an unchecked client_id would be. The endpoint verifies it.
    /// </summary>
    public static string? FromAssertion(HttpContext context)
    {
        if (FromForm(context, "client_assertion", MaxAssertionLength) is not { } assertion)
        {
            return null;
        }

        var parts = assertion.AsSpan();
        var firstDot = parts.IndexOf('.');
        var payload = firstDot < 0 ? default : parts[(firstDot + 1)..];
        var secondDot = payload.IndexOf('.');
        if (secondDot <= 0)
        {
            return null;
        }

        payload = payload[..secondDot];
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var length) != OperationStatus.Done)
            {
                return null;
            }

            string? issuer = null;
            var json = new Utf8JsonReader(buffer.AsSpan(0, length));
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var isSubject = json.ValueTextEquals("sub"u8);
                var isIssuer = json.ValueTextEquals("iss"u8);
                json.Read();
                if ((isSubject || isIssuer) && json.TokenType == JsonTokenType.String && json.ValueSpan.Length <= MaxLength)
                {
                    var value = json.GetString();
                    if (isSubject && !string.IsNullOrEmpty(value))
                    {
                        return value;
                    }

                    issuer ??= value;
                }
                else
                {
                    json.Skip();
                }
            }

            return string.IsNullOrEmpty(issuer) ? null : issuer;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
