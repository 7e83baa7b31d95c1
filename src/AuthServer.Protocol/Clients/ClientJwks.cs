using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Clients;

/// <summary>One registered public key of a client, ready to verify its assertions (RFC 7523 §3, private_key_jwt).</summary>
/// <param name="Kid">The key's "kid", when registered with one.</param>
/// <param name="Algorithms">The JWS algorithms this key verifies: by key type and curve, narrowed by the JWK's "alg".</param>
public sealed record ClientSigningKey(string? Kid, IReadOnlySet<string> Algorithms, SecurityKey Key);

/// <summary>
/// A client's public keys, registered inline as a JWK Set (RFC 7517 §5) and never fetched from a URL. The import and
/// the admin API and pages check a set with <see cref="Validate"/> and store its normalized form; the client store reads
/// that form back with <see cref="Read"/>.
/// </summary>
public static class ClientJwks
{
    public const int MaxKeys = 10;
    public const int MinimumRsaBits = 2048;
    public const int MaximumRsaBits = 8192;

    /// <summary>Every algorithm a registered key may verify: asymmetric only, never "none", never HMAC.</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    private static readonly string[] RsaAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

    // RFC 7518 §6.2.1.1 / §3.4: the curve fixes the algorithm and the coordinate length.
    private static readonly Dictionary<string, (string Alg, int Length, ECCurve Curve)> Curves = new(StringComparer.Ordinal)
    {
        ["P-256"] = ("ES256", 32, ECCurve.NamedCurves.nistP256),
        ["P-384"] = ("ES384", 48, ECCurve.NamedCurves.nistP384),
        ["P-521"] = ("ES512", 66, ECCurve.NamedCurves.nistP521),
    };

    // RFC 7518 §6.3.2 and §6.2.2 (RSA and EC private parts), §6.4.1 (a symmetric key's value), RFC 7517 §9.2.
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>
    /// Checks a JWK Set. Returns the normalized set (public members only, as JSON) and no errors, or errors keyed by a
    /// path relative to the set ("keys[1].n").
    /// </summary>
    public static (string? Json, IReadOnlyList<(string Path, string Message)> Errors) Validate(JsonElement set)
    {
        var errors = new List<(string, string)>();
        if (set.ValueKind != JsonValueKind.Object || !set.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            errors.Add(("", "must be a JWK Set: an object with a \"keys\" array of public keys"));
            return (null, errors);
        }

        var count = keys.GetArrayLength();
        if (count is 0 or > MaxKeys)
        {
            errors.Add(("keys", $"must hold 1 to {MaxKeys} keys"));
            return (null, errors);
        }

        var kids = new HashSet<string>(StringComparer.Ordinal);
        var normalized = new List<Dictionary<string, string>>();
        var i = 0;
        foreach (var key in keys.EnumerateArray())
        {
            if (ValidateKey(key, $"keys[{i}]", kids, errors) is { } members)
            {
                normalized.Add(members);
            }

            i++;
        }

        return errors.Count > 0 ? (null, errors) : (JsonSerializer.Serialize(new { keys = normalized }), errors);
    }

    /// <summary>The keys of a normalized set (as <see cref="Validate"/> wrote it); none for null or a set that no longer reads.</summary>
    public static IReadOnlyList<ClientSigningKey> Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var (_, errors) = Validate(doc.RootElement);
            return errors.Count > 0 ? [] : doc.RootElement.GetProperty("keys").EnumerateArray().Select(ToSigningKey).ToArray();
        }
        catch (Exception e) when (e is JsonException or CryptographicException)
        {
            // Never stored by Validate; a row edited by hand loses its keys rather than failing every request.
            return [];
        }
    }

    private static Dictionary<string, string>? ValidateKey(JsonElement key, string path, HashSet<string> kids, List<(string, string)> errors)
    {
        var before = errors.Count;
        if (key.ValueKind != JsonValueKind.Object)
        {
            errors.Add((path, "must be a JWK object"));
            return null;
        }

        foreach (var member in PrivateMembers)
        {
            if (key.TryGetProperty(member, out _))
            {
                errors.Add(($"{path}.{member}", "this is a private key: register only the public key (without \"d\", \"p\", \"q\", \"dp\", \"dq\", \"qi\" or \"k\"); "
                    + "a private key pasted anywhere should be treated as exposed and replaced"));
                return null;
            }
        }

        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        var kty = Text(key, "kty");
        if (kty is not ("RSA" or "EC"))
        {
            errors.Add(($"{path}.kty", "must be \"RSA\" or \"EC\" (symmetric keys are not accepted)"));
            return null;
        }

        members["kty"] = kty;
        if (key.TryGetProperty("kid", out var kidElement))
        {
            if (Text(key, "kid") is not { Length: > 0 and <= 200 } kid)
            {
                errors.Add(($"{path}.kid", "must be a string of 1 to 200 characters"));
            }
            else if (!kids.Add(kid))
            {
                errors.Add(($"{path}.kid", $"'{kid}' is used by another key of this set; every kid must be unique"));
            }
            else
            {
                members["kid"] = kid;
            }
        }

        if (key.TryGetProperty("use", out _))
        {
            if (Text(key, "use") != "sig")
            {
                errors.Add(($"{path}.use", "must be \"sig\": these keys verify signatures"));
            }
            else
            {
                members["use"] = "sig";
            }
        }

        var allowed = kty == "RSA" ? ValidateRsa(key, path, members, errors) : ValidateEc(key, path, members, errors);
        if (key.TryGetProperty("alg", out _))
        {
            if (Text(key, "alg") is not { } alg || allowed is null || !allowed.Contains(alg))
            {
                errors.Add(($"{path}.alg", allowed is null ? "is not valid for this key" : $"must be one of {string.Join(", ", allowed)} for this key"));
            }
            else
            {
                members["alg"] = alg;
            }
        }

        return errors.Count == before ? members : null;
    }

    private static string[]? ValidateRsa(JsonElement key, string path, Dictionary<string, string> members, List<(string, string)> errors)
    {
        var n = Bytes(key, "n");
        var e = Bytes(key, "e");
        if (n is null || e is null || n.Length == 0 || e.Length is 0 or > 8)
        {
            errors.Add((path, "an RSA key needs \"n\" and \"e\" in base64url"));
            return null;
        }

        var bits = ModulusBits(n);
        if (bits is < MinimumRsaBits or > MaximumRsaBits)
        {
            errors.Add(($"{path}.n", $"the RSA key has {bits} bits; it must have {MinimumRsaBits} to {MaximumRsaBits}"));
            return null;
        }

        // RFC 8017 §3.1: an odd public exponent of at least 3.
        var exponent = e.Aggregate(0UL, (value, b) => (value << 8) | b);
        if (exponent < 3 || exponent % 2 == 0)
        {
            errors.Add(($"{path}.e", "must be an odd public exponent of at least 3 (usually \"AQAB\", 65537)"));
            return null;
        }

        try
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = n, Exponent = e });
        }
        catch (CryptographicException)
        {
            errors.Add((path, "n and e are not a usable RSA public key"));
            return null;
        }

        members["n"] = Text(key, "n")!;
        members["e"] = Text(key, "e")!;
        return RsaAlgorithms;
    }

    private static string[]? ValidateEc(JsonElement key, string path, Dictionary<string, string> members, List<(string, string)> errors)
    {
        if (Text(key, "crv") is not { } crv || !Curves.TryGetValue(crv, out var curve))
        {
            errors.Add(($"{path}.crv", "must be \"P-256\", \"P-384\" or \"P-521\""));
            return null;
        }

        var x = Bytes(key, "x");
        var y = Bytes(key, "y");
        if (x?.Length != curve.Length || y?.Length != curve.Length)
        {
            errors.Add((path, $"an EC {crv} key needs \"x\" and \"y\" of {curve.Length} bytes each in base64url"));
            return null;
        }

        try
        {
            // Refuses a point that is not on the curve.
            using var ecdsa = ECDsa.Create(new ECParameters { Curve = curve.Curve, Q = new ECPoint { X = x, Y = y } });
        }
        catch (CryptographicException)
        {
            errors.Add((path, "x and y are not a point on the curve"));
            return null;
        }

        members["crv"] = crv;
        members["x"] = Text(key, "x")!;
        members["y"] = Text(key, "y")!;
        return [curve.Alg];
    }

    private static ClientSigningKey ToSigningKey(JsonElement key)
    {
        var kid = Text(key, "kid");
        var alg = Text(key, "alg");
        SecurityKey securityKey;
        IEnumerable<string> algorithms;
        if (Text(key, "kty") == "RSA")
        {
            var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Bytes(key, "n"), Exponent = Bytes(key, "e") });
            securityKey = new RsaSecurityKey(rsa) { KeyId = kid };
            algorithms = RsaAlgorithms;
        }
        else
        {
            var curve = Curves[Text(key, "crv")!];
            var ecdsa = ECDsa.Create(new ECParameters { Curve = curve.Curve, Q = new ECPoint { X = Bytes(key, "x"), Y = Bytes(key, "y") } });
            securityKey = new ECDsaSecurityKey(ecdsa) { KeyId = kid };
            algorithms = [curve.Alg];
        }

        return new ClientSigningKey(kid, algorithms.Where(a => alg is null || a == alg).ToHashSet(StringComparer.Ordinal), securityKey);
    }

    private static int ModulusBits(byte[] n)
    {
        var start = 0;
        while (start < n.Length && n[start] == 0)
        {
            start++;
        }

        return start == n.Length ? 0 : ((n.Length - start - 1) * 8) + (8 - System.Numerics.BitOperations.LeadingZeroCount((uint)n[start]) + 24);
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static byte[]? Bytes(JsonElement o, string name)
    {
        if (Text(o, name) is not { } text || text.Length > 2048)
        {
            return null;
        }

        try
        {
            return Base64UrlEncoder.DecodeBytes(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }
}
