using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Authorization;

/// <summary>RFC 7636 with S256 only: "plain" gives no protection against a stolen code, so it is refused.</summary>
public static class Pkce
{
    public const string S256 = "S256";

    /// <summary>RFC 7636 §4.1: 43 to 128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~".</summary>
    public static bool IsValidVerifier(string? verifier) =>
        verifier is { Length: >= 43 and <= 128 } && verifier.All(IsUnreserved);

    /// <summary>An S256 challenge is BASE64URL of a SHA-256: exactly 43 characters.</summary>
    public static bool IsValidChallenge(string? challenge) =>
        challenge is { Length: 43 } && Base64Url.IsValid(challenge) && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>RFC 7636 §4.6: BASE64URL(SHA256(ASCII(verifier))) == challenge, compared in constant time.</summary>
    public static bool Verify(string? verifier, string challenge)
    {
        if (!IsValidVerifier(verifier))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(verifier!), digest);
        var computed = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(digest));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';
}
