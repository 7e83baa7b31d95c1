using System.Text.Json;

namespace AuthServer.Protocol.Tokens;

public static class AudienceJson
{
    /// <summary>RFC 7519 §4.1.3: a single audience is a string, several are an array.</summary>
    public static void Write(Utf8JsonWriter w, IReadOnlyList<string> audiences)
    {
        if (audiences.Count == 1)
        {
            w.WriteString("aud", audiences[0]);
            return;
        }

        w.WriteStartArray("aud");
        foreach (var aud in audiences)
        {
            w.WriteStringValue(aud);
        }

        w.WriteEndArray();
    }
}
