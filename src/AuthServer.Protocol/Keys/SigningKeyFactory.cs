using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Keys;

/// <summary>Creates signing keys and opens stored ones.</summary>
public static class SigningKeyFactory
{
    public static StoredSigningKey Create(string algorithm, SigningKeyState state, DateTimeOffset now, MasterKeyProtector protector)
    {
        byte[] pkcs8;
        string publicJwk;
        string kid;
        switch (algorithm)
        {
            case SigningAlgorithms.ES256:
            {
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var p = ec.ExportParameters(includePrivateParameters: false);
                kid = Thumbprint($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{B64(p.Q.X!)}\",\"y\":\"{B64(p.Q.Y!)}\"}}");
                publicJwk = Jwk(w =>
                {
                    w.WriteString("kty", "EC");
                    w.WriteString("use", "sig");
                    w.WriteString("alg", algorithm);
                    w.WriteString("kid", kid);
                    w.WriteString("crv", "P-256");
                    w.WriteString("x", B64(p.Q.X!));
                    w.WriteString("y", B64(p.Q.Y!));
                });
                pkcs8 = ec.ExportPkcs8PrivateKey();
                break;
            }

            case SigningAlgorithms.RS256:
            {
                using var rsa = RSA.Create(2048);
                var p = rsa.ExportParameters(includePrivateParameters: false);
                kid = Thumbprint($"{{\"e\":\"{B64(p.Exponent!)}\",\"kty\":\"RSA\",\"n\":\"{B64(p.Modulus!)}\"}}");
                publicJwk = Jwk(w =>
                {
                    w.WriteString("kty", "RSA");
                    w.WriteString("use", "sig");
                    w.WriteString("alg", algorithm);
                    w.WriteString("kid", kid);
                    w.WriteString("n", B64(p.Modulus!));
                    w.WriteString("e", B64(p.Exponent!));
                });
                pkcs8 = rsa.ExportPkcs8PrivateKey();
                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only ES256 and RS256 keys are made.");
        }

        try
        {
            return new StoredSigningKey(kid, algorithm, state, now,
                ActivatedAt: state == SigningKeyState.Active ? now : null, RetiredAt: null,
                publicJwk, protector.Protect(pkcs8, kid));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <exception cref="CryptographicException">The master key does not open this key.</exception>
    /// <summary>Opens every key that is not removed; a key the master key cannot open throws <see cref="MasterKeyMismatchException"/>.</summary>
    public static List<SigningKey> OpenAll(IEnumerable<StoredSigningKey> keys, MasterKeyProtector protector)
    {
        var opened = new List<SigningKey>();
        foreach (var key in keys.Where(k => k.State != SigningKeyState.Removed))
        {
            try
            {
                opened.Add(Open(key, protector));
            }
            catch (CryptographicException)
            {
                throw new MasterKeyMismatchException(key.Kid);
            }
        }

        return opened;
    }

    public static SigningKey Open(StoredSigningKey stored, MasterKeyProtector protector)
    {
        var pkcs8 = protector.Unprotect(stored.EncryptedPrivateKey, stored.Kid);
        try
        {
            AsymmetricSecurityKey key;
            if (stored.Algorithm == SigningAlgorithms.ES256)
            {
                var ec = ECDsa.Create();
                ec.ImportPkcs8PrivateKey(pkcs8, out _);
                key = new ECDsaSecurityKey(ec) { KeyId = stored.Kid };
            }
            else if (stored.Algorithm == SigningAlgorithms.RS256)
            {
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                key = new RsaSecurityKey(rsa) { KeyId = stored.Kid };
            }
            else
            {
                throw new CryptographicException($"Key {stored.Kid} has an unsupported algorithm '{stored.Algorithm}'.");
            }

            return new SigningKey(stored.Kid, stored.Algorithm, stored.State, key, new JsonWebKey(stored.PublicJwk))
            {
                ActivatedAt = stored.ActivatedAt ?? stored.CreatedAt,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>RFC 7638: the SHA-256 of the canonical JSON of the required members.</summary>
    private static string Thumbprint(string canonicalJson) =>
        B64(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    private static string Jwk(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
