using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Users;

/// <summary>
/// RFC 6238 time-based one-time passwords as authenticator apps compute them: HMAC-SHA1, 30-second steps,
/// 6 digits. A code is accepted for the current step or one step either side (RFC 6238 §5.2 allows for clock
/// drift and slow typing), and only for a step later than the last one accepted, so a code works once.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>Steps accepted either side of the current one.</summary>
    public const int Window = 1;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>RFC 4226 §5.3 HOTP of the step, truncated to <see cref="Digits"/> digits.</summary>
    public static string Compute(ReadOnlySpan<byte> key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(key, counter, hash);
        var offset = hash[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fff_ffff;
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The step <paramref name="code"/> is valid for, if it is valid now and later than
    /// <paramref name="lastAcceptedStep"/>; otherwise null. Spaces in the code are ignored.
    /// </summary>
    public static long? Match(ReadOnlySpan<byte> key, string? code, DateTimeOffset now, long? lastAcceptedStep)
    {
        var digits = code?.Replace(" ", "", StringComparison.Ordinal) ?? "";
        if (digits.Length != Digits || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = StepAt(now);
        long? matched = null;
        var presented = Encoding.ASCII.GetBytes(digits);

        // Every candidate is compared, so the time taken does not tell which step matched.
        for (var step = current - Window; step <= current + Window; step++)
        {
            var expected = Encoding.ASCII.GetBytes(Compute(key, step));
            if (CryptographicOperations.FixedTimeEquals(expected, presented) && step > (lastAcceptedStep ?? long.MinValue))
            {
                matched ??= step;
            }
        }

        return matched;
    }

    /// <summary>A new 160-bit key (RFC 4226 §4 recommends 160 bits), in the base32 authenticator apps expect.</summary>
    public static string NewKey() => Base32.Encode(RandomNumberGenerator.GetBytes(20));

    /// <summary>The otpauth URI an authenticator app reads from the QR code.</summary>
    public static string ProvisioningUri(string issuer, string account, string base32Key) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}" +
        $"?secret={base32Key}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
}

/// <summary>RFC 4648 §6 base32, upper case, without padding (as authenticator apps write keys).</summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }

    /// <summary>Decodes, ignoring spaces, hyphens, padding and case; null when a character is not base32.</summary>
    public static byte[]? Decode(string text)
    {
        var output = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var raw in text)
        {
            if (raw is ' ' or '-' or '=')
            {
                continue;
            }

            var value = Alphabet.IndexOf(char.ToUpperInvariant(raw), StringComparison.Ordinal);
            if (value < 0)
            {
                return null;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return output.ToArray();
    }
}
