using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Validation.Tests.Infrastructure;

/// <summary>Hand-made JWS compact tokens: every header and claim is under the test's control.</summary>
public static class Tokens
{
    public const string Audience = "https://api.example.com/orders";

    /// <summary>A valid RFC 9068 payload: the claims AuthServer puts in an access token.</summary>
    public static Dictionary<string, object?> Payload(string issuer, FakeTimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return new Dictionary<string, object?>
        {
            ["iss"] = issuer,
            ["sub"] = "alice",
            ["aud"] = Audience,
            ["exp"] = now + 300,
            ["iat"] = now,
            ["nbf"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["client_id"] = "orders-client",
            ["scope"] = "orders.read profile",
        };
    }

    public static Dictionary<string, object?> Header(TestKey key) =>
        new() { ["alg"] = key.Alg, ["kid"] = key.Kid, ["typ"] = "at+jwt" };

    /// <summary>Signs with the key's algorithm; a null value removes that member.</summary>
    public static string Sign(TestKey key, IDictionary<string, object?> header, IDictionary<string, object?> payload) =>
        Jws(header, payload, key.Sign);

    /// <summary>HS256 over the input with the given bytes as the secret: the algorithm-confusion forgery.</summary>
    public static string SignHs256(IDictionary<string, object?> header, IDictionary<string, object?> payload, byte[] secret) =>
        Jws(header, payload, input => HMACSHA256.HashData(secret, input));

    public static string Jws(IDictionary<string, object?> header, IDictionary<string, object?> payload, Func<byte[], byte[]> sign)
    {
        var input = Encode(header) + "." + Encode(payload);
        return input + "." + Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(input)));
    }

    public static string Encode(IDictionary<string, object?> members) =>
        Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(members.Where(m => m.Value is not null).ToDictionary()));
}
