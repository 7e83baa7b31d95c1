using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Users;

/// <summary>
/// MFA recovery codes: 80 random bits each, shown once as four groups of four base32 characters, and stored only as
/// SHA-256 hashes (the codes are random enough that a fast hash cannot be brute-forced).
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;

    public static string New()
    {
        var text = Base32.Encode(RandomNumberGenerator.GetBytes(10));
        return string.Join('-', text.Chunk(4).Select(c => new string(c)));
    }

    /// <summary>The stored form; what the user types is normalized first (case, spaces and hyphens do not matter).</summary>
    public static string Hash(string code)
    {
        var normalized = new string(code.Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant).ToArray());
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <summary>The index of the stored hash that <paramref name="code"/> matches, comparing each in constant time; -1 if none.</summary>
    public static int IndexOf(IReadOnlyList<string> storedHashes, string code)
    {
        var presented = Encoding.ASCII.GetBytes(Hash(code));
        var found = -1;
        for (var i = 0; i < storedHashes.Count; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHashes[i]), presented) && found < 0)
            {
                found = i;
            }
        }

        return found;
    }
}
