using System.Buffers;
using System.Text.Json;

namespace AuthServer.Protocol.Claims;

/// <summary>
/// The claims an access token carries beyond the registered ones, fixed when it is issued and stored with it: per
/// audience the store's claims its scopes released for that API, and the RFC 8693 <c>act</c> claim of a delegated
/// token. A JWT carries the claims of all its audiences; introspection and the phantom token show those of the
/// caller's APIs only. Later changes to the store apply to tokens issued after them.
/// </summary>
public sealed class TokenClaims
{
    private TokenClaims(IReadOnlyDictionary<string, JsonElement> byAudience, JsonElement? act)
    {
        ByAudience = byAudience;
        Act = act;
    }

    /// <summary>Per audience, a JSON object of claims.</summary>
    public IReadOnlyDictionary<string, JsonElement> ByAudience { get; }

    /// <summary>RFC 8693 §4.1: the current actor, with any prior actor nested in its own act member.</summary>
    public JsonElement? Act { get; }

    /// <summary>The claims to store with a token, or null when it carries none (most tokens, and no storage cost).</summary>
    public static TokenClaims? Create(IReadOnlyDictionary<string, List<ResolvedClaim>> byAudience, JsonElement? act)
    {
        var nonEmpty = byAudience.Where(kv => kv.Value.Count > 0).ToList();
        if (nonEmpty.Count == 0 && act is null)
        {
            return null;
        }

        var elements = nonEmpty.ToDictionary(kv => kv.Key, kv => ToElement(w => ClaimsResolver.WriteMembers(w, kv.Value)), StringComparer.Ordinal);
        return new TokenClaims(elements, act?.Clone());
    }

    /// <summary>RFC 8693 §4.1: the act claim naming <paramref name="actor"/>, the previous actor chain nested inside it.</summary>
    public static JsonElement Actor(string actorSubject, string actorClientId, JsonElement? previous) =>
        ToElement(w =>
        {
            w.WriteString("sub", actorSubject);
            w.WriteString("client_id", actorClientId);
            if (previous is { } prior)
            {
                w.WritePropertyName("act");
                prior.WriteTo(w);
            }
        });

    public static TokenClaims? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var byAudience = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (root.TryGetProperty("aud", out var audiences))
        {
            foreach (var member in audiences.EnumerateObject())
            {
                byAudience[member.Name] = member.Value.Clone();
            }
        }

        return new TokenClaims(byAudience, root.TryGetProperty("act", out var act) ? act.Clone() : null);
    }

    public string Serialize() => System.Text.Encoding.UTF8.GetString(Bytes(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("aud");
        foreach (var (audience, claims) in ByAudience)
        {
            w.WritePropertyName(audience);
            claims.WriteTo(w);
        }

        w.WriteEndObject();
        if (Act is { } act)
        {
            w.WritePropertyName("act");
            act.WriteTo(w);
        }

        w.WriteEndObject();
    }).Span);

    /// <summary>Writes the claims released for <paramref name="audiences"/> (each name once) and act, as members of an open object.</summary>
    public void WriteMembers(Utf8JsonWriter w, IEnumerable<string> audiences)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var audience in audiences)
        {
            if (!ByAudience.TryGetValue(audience, out var claims))
            {
                continue;
            }

            foreach (var member in claims.EnumerateObject())
            {
                // Defence in depth: the importer never lets a reserved name into the store.
                if (!StandardClaims.Reserved.Contains(member.Name) && written.Add(member.Name))
                {
                    member.WriteTo(w);
                }
            }
        }

        if (Act is { } act)
        {
            w.WritePropertyName("act");
            act.WriteTo(w);
        }
    }

    private static JsonElement ToElement(Action<Utf8JsonWriter> members)
    {
        var bytes = Bytes(w =>
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        });
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }

    private static ReadOnlyMemory<byte> Bytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return buffer.WrittenMemory;
    }
}
