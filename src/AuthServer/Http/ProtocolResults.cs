using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AuthServer.Protocol.Errors;

namespace AuthServer.Http;

/// <summary>Writes protocol JSON. Every protocol response is uncacheable (RFC 6749 §5.1).</summary>
public static class ProtocolResults
{
    // Protocol JSON is never embedded in HTML, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }

    /// <summary>
    /// Serializes the body first and sends it with a Content-Length: a protocol response is a few hundred bytes,
    /// and one write is cheaper than a chunked body and its terminating chunk.
    /// </summary>
    public static Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        NoStore(response);
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    /// <summary>
    /// RFC 6749 §5.2 error response; invalid_client carries a WWW-Authenticate challenge. The status is the error
    /// code's unless <paramref name="status"/> says otherwise (a 405's invalid_request).
    /// </summary>
    public static Task WriteErrorAsync(HttpResponse response, OAuthException error, int? status = null)
    {
        if (error.Code == OAuthErrorCode.InvalidClient)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"authserver\", charset=\"UTF-8\"";
        }

        if (error.Code == OAuthErrorCode.TemporarilyUnavailable)
        {
            response.Headers.RetryAfter = DatabaseOutageResponse.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(response, status ?? error.Code.HttpStatus(), w =>
        {
            w.WriteString("error", error.Code.WireName());
            w.WriteString("error_description", error.Description);
        });
    }
}
