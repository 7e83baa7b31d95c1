using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Secrets;

/// <summary>
/// Generates and hashes high-entropy secrets. Generated secrets carry 256 bits from a CSPRNG, so a single
/// SHA-256 is a sound hash: a slow password hash (PBKDF2) would add cost without adding security.
/// </summary>
public static class SecretHasher
{
    public const string Prefix = "sha256:";

    /// <summary>The shortest secret we accept from configuration: 43 characters, the length of 256 bits in base64url.</summary>
    public const int MinimumLength = 43;

    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), digest);
        return Prefix + Convert.ToBase64String(digest);
    }

    /// <summary>True when <paramref name="hash"/> is a hash this class produces.</summary>
    public static bool IsWellFormedHash(string hash)
    {
        if (!hash.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[33];
        return Convert.TryFromBase64String(hash[Prefix.Length..], buffer, out var written) && written == 32;
    }

    /// <summary>Compares a presented secret with stored hashes in time that does not depend on where they differ.</summary>
    public static bool Verify(string presented, IReadOnlyList<string> storedHashes)
    {
        Span<byte> candidate = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), candidate);
        Span<byte> stored = stackalloc byte[33];
        var match = false;
        foreach (var hash in storedHashes)
        {
            if (hash.StartsWith(Prefix, StringComparison.Ordinal)
                && Convert.TryFromBase64String(hash[Prefix.Length..], stored, out var written)
                && written == 32)
            {
                // No early exit: every stored hash is compared.
                match |= CryptographicOperations.FixedTimeEquals(candidate, stored[..32]);
            }
        }

        return match;
    }
}
