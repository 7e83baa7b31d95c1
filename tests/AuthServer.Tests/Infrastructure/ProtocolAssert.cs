using System.Net;
using System.Text;
using System.Text.Json;

namespace AuthServer.Tests.Infrastructure;

public static class ProtocolAssert
{
    /// <summary>Asserts an RFC 6749 §5.2 error: the status, the code, and nothing but error and error_description.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        AssertSentWhole(response, body);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.Equal(["error", "error_description"], json.EnumerateObject().Select(p => p.Name).Order());
        var description = json.GetProperty("error_description").GetString()!;
        Assert.DoesNotContain("Exception", description);
        Assert.All(description, c => Assert.True(c is >= ' ' and <= '~' and not '"' and not '\\', $"bad char in '{description}'"));
        if (status == HttpStatusCode.Unauthorized)
        {
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        }

        return json;
    }

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        AssertSentWhole(response, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Protocol JSON goes out in one piece with a Content-Length, never as a chunked body.</summary>
    private static void AssertSentWhole(HttpResponseMessage response, string body)
    {
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }
}
