using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Tokens;

/// <summary>Opaque reference tokens: 256 bits from a CSPRNG, base64url; stored only as a SHA-256 hash.</summary>
public static class OpaqueHandle
{
    public const int Length = 43;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>A random identifier (128 bits) for jti values.</summary>
    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public static string Hash(string handle)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(handle), digest);
        return Base64Url.EncodeToString(digest);
    }

    /// <summary>True when the value has the shape of a handle we issue; anything else need not be looked up.</summary>
    public static bool IsWellFormed(string value) => value.Length == Length && Base64Url.IsValid(value);
}
