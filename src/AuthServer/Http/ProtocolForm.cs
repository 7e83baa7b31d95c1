using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Http;

/// <summary>Reads a protocol request body: application/x-www-form-urlencoded only (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1).</summary>
public static class ProtocolForm
{
    public static async Task<ProtocolParameters> ReadAsync(HttpRequest request)
    {
        var form = await ReadRawAsync(request);
        return ProtocolParameters.Parse(form.Select(p => KeyValuePair.Create(p.Key, (IReadOnlyList<string>)p.Value.ToArray()!)));
    }

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
