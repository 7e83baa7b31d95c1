using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using Microsoft.Net.Http.Headers;

using Microsoft.Extensions.Primitives;

namespace AuthServer.Http;

/// <summary>Reads a protocol request body: application/x-www-form-urlencoded only (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1).</summary>
public static class ProtocolForm
{
    public static async Task<ProtocolParameters> ReadAsync(HttpRequest request)
    {
        return Parse(await ReadRawAsync(request));
    }

    /// <summary>A query, a form, or a parsed query string as protocol parameters (repeats are refused by the parser).</summary>
    public static ProtocolParameters Parse(IEnumerable<KeyValuePair<string, StringValues>> pairs) =>
        ProtocolParameters.Parse(pairs.Select(p => KeyValuePair.Create(p.Key, (IReadOnlyList<string>)p.Value.Select(v => v ?? "").ToArray())));

    /// <summary>The form as sent, after the content-type and encoding checks.</summary>
    public static async Task<IFormCollection> ReadRawAsync(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            throw OAuthException.InvalidRequest("The request body must be application/x-www-form-urlencoded.");
        }

        if (mediaType.Charset.HasValue && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw OAuthException.InvalidRequest("The request body must be UTF-8.");
        }

        try
        {
            return await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            throw OAuthException.InvalidRequest("The request body could not be read as a form.", e.Message);
        }
    }
}
