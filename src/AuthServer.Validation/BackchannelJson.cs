using System.Net.Http.Headers;
using System.Text.Json;

namespace AuthServer.Validation;

/// <summary>Reads AuthServer's JSON responses with a size cap: a broken or hostile upstream cannot exhaust memory.</summary>
internal static class BackchannelJson
{
    private const int MaxResponseBytes = 512 * 1024;

    public static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new AuthorityMetadataException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentType?.MediaType is not { } type
            || !type.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new AuthorityMetadataException($"{response.RequestMessage?.RequestUri} did not answer with application/json");
        }

        await response.Content.LoadIntoBufferAsync(MaxResponseBytes, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return JsonDocument.Parse(body);
    }

    public static MediaTypeWithQualityHeaderValue Accept { get; } = new("application/json");

    public static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
