using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Keys;

/// <summary>An immutable snapshot of the signing keys: which key signs per algorithm, and which are published.</summary>
public sealed class SigningKeyRing
{
    private readonly Dictionary<string, SigningKey> _active;
    private readonly Dictionary<string, SigningKey> _published;

    public SigningKeyRing(IEnumerable<SigningKey> keys)
    {
        var usable = keys.Where(k => k.State != SigningKeyState.Removed).ToList();
        _published = usable.ToDictionary(k => k.Kid, StringComparer.Ordinal);
        _active = usable.Where(k => k.State == SigningKeyState.Active)
            .GroupBy(k => k.Algorithm, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        Published = usable;
        JwksJson = BuildJwks(usable);
    }

    /// <summary>Pending, active and retired keys: everything a validator may need to see.</summary>
    public IReadOnlyList<SigningKey> Published { get; }

    /// <summary>The JWKS document (public parts only), serialized once per ring.</summary>
    public byte[] JwksJson { get; }

    public SigningKey? ActiveFor(string algorithm) => _active.GetValueOrDefault(algorithm);

    public SecurityKey? FindPublished(string? kid) =>
        kid is not null && _published.TryGetValue(kid, out var key) ? key.PrivateKey : null;

    public string? AlgorithmOf(string? kid) =>
        kid is not null && _published.TryGetValue(kid, out var key) ? key.Algorithm : null;

    private static byte[] BuildJwks(IEnumerable<SigningKey> keys)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            foreach (var key in keys)
            {
                // The stored public JWK holds only public members (kty, use, alg, kid, crv/x/y or n/e).
                using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(SerializePublic(key.PublicJwk)));
                doc.RootElement.WriteTo(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string SerializePublic(JsonWebKey jwk)
    {
        if (jwk.HasPrivateKey)
        {
            throw new InvalidOperationException($"Key {jwk.Kid} carries private material in its public JWK.");
        }

        return JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["kty"] = jwk.Kty,
            ["use"] = jwk.Use,
            ["alg"] = jwk.Alg,
            ["kid"] = jwk.Kid,
            ["crv"] = jwk.Crv,
            ["x"] = jwk.X,
            ["y"] = jwk.Y,
            ["n"] = jwk.N,
            ["e"] = jwk.E,
        }.Where(p => p.Value is not null).ToDictionary());
    }
}

/// <summary>The current key ring; replaced atomically when keys change.</summary>
public interface ISigningKeyRingSource
{
    SigningKeyRing Current { get; }
}
