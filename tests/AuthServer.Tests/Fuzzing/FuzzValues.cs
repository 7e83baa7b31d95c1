using System.Text;

namespace AuthServer.Tests.Fuzzing;

/// <summary>Hostile values: control characters, odd Unicode, huge strings, bad base64, broken JWTs.</summary>
public static class FuzzValues
{
    /// <summary>The largest body Kestrel accepts here (AuthServerApp: 64 KiB); values go up to it and beyond.</summary>
    public const int BodyLimit = 64 * 1024;

    private static readonly string[] Odd =
    [
        "", " ", "\0", "a\0b", "\r\n", "\r\nX-Injected: 1", "\t", "\u0001\u0002\u001f\u007f", "\u00e9\u00e8", "\u202e\u200b\ufeff",
        "\ud800", "\udfff", "\ud83d\ude00", "%", "%%", "%zz", "%00", "%C0%AF", "..%2f..%2fetc%2fpasswd", "../../etc/passwd",
        "<script>alert(1)</script>", "\"'`;--", "' OR '1'='1", "{\"a\":1}", "[]", "null", "true", "-1", "0", "99999999999999999999999",
        "1e400", "NaN", "-0", "0x7fffffff", "2147483648", "-2147483649", "https://evil.example/", "javascript:alert(1)",
        "http://127.0.0.1/callback#frag", "urn:ietf:params:oauth:token-type:jwt", "openid openid openid", "a b  c", "${jndi:ldap://x}",
        "%s%s%s%n", "\\\\server\\share", "C:\\Windows", "/dev/null", "*", "?", "#", "&", "=", "+", "\u0000\u0000\u0000\u0000",
        new string('\u00ff', 40), new string('=', 30), "Zm9v", "Zm9v!!", "Basic", "Bearer", "Bearer ", "eyJ", "a.b", "a.b.c.d.e",
    ];

    public static string Garbage(Random r) => r.Next(8) switch
    {
        0 => Huge(r),
        1 => RandomChars(r, r.Next(1, 200)),
        2 => BadBase64(r),
        _ => Odd[r.Next(Odd.Length)],
    };

    public static string Huge(Random r)
    {
        var length = r.Next(5) switch
        {
            0 => r.Next(1_000, 8_000),
            1 => r.Next(8_000, 40_000),
            2 => BodyLimit - r.Next(0, 200),
            3 => BodyLimit + r.Next(1, 5_000),
            _ => r.Next(100_000, 300_000),
        };
        return new string((char)r.Next('a', 'z' + 1), length);
    }

    /// <summary>Random code points, including controls, surrogate halves and non-characters.</summary>
    public static string RandomChars(Random r, int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(r.Next(4) switch
            {
                0 => (char)r.Next(0, 0x20),
                1 => (char)r.Next(0x20, 0x7f),
                2 => (char)r.Next(0x80, 0x800),
                _ => (char)r.Next(0xd800, 0x10000),
            });
        }

        return builder.ToString();
    }

    /// <summary>Bytes that are not UTF-8: lone continuation bytes, overlong forms, truncated sequences, surrogates.</summary>
    public static byte[] InvalidUtf8(Random r)
    {
        byte[][] pieces = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00]];
        var output = new List<byte>();
        for (var i = r.Next(1, 5); i > 0; i--)
        {
            output.AddRange(pieces[r.Next(pieces.Length)]);
            output.AddRange(Encoding.ASCII.GetBytes(RandomAscii(r, r.Next(0, 4))));
        }

        return [.. output];
    }

    public static string RandomAscii(Random r, int length) =>
        new(Enumerable.Range(0, length).Select(_ => (char)r.Next('a', 'z' + 1)).ToArray());

    public static string BadBase64(Random r) => r.Next(7) switch
    {
        0 => "!!!not-base64!!!",
        1 => "Zm9vOmJhcg",                               // missing padding
        2 => "Zm9v=YmFy",                                // padding in the middle
        3 => Convert.ToBase64String(Encoding.UTF8.GetBytes("no-colon-here")),
        4 => Convert.ToBase64String([0xff, 0xfe, 0x3a, 0xc0, 0xaf]), // invalid UTF-8 around the colon
        5 => Convert.ToBase64String(Encoding.UTF8.GetBytes("%zz:%")),
        _ => Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('a', r.Next(1000, 20000)) + ":" + "b")),
    };

    /// <summary>A Basic Authorization header value that is broken in one way.</summary>
    public static string BadBasic(Random r, (string Id, string Secret) client) => r.Next(8) switch
    {
        0 => "Basic " + BadBase64(r),
        1 => "Basic",
        2 => "Basic  " + Convert.ToBase64String(Encoding.UTF8.GetBytes(client.Id + ":" + client.Secret)) + " extra",
        3 => "basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(client.Id + ":")),
        4 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + client.Secret)),
        5 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(client.Id + "\0:" + client.Secret)),
        6 => "Digest username=\"" + client.Id + "\"",
        _ => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.Id) + ":" + Garbage(r))),
    };

    /// <summary>Breaks a compact JWS: truncated, tampered, alg none, huge or non-JSON header, wrong shape.</summary>
    public static string BreakJwt(Random r, string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            parts = [B64("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}"), B64("{\"sub\":\"x\"}"), "c2ln"];
        }

        switch (r.Next(14))
        {
            case 0: return jwt[..r.Next(0, jwt.Length)];
            case 1: return Flip(r, jwt);
            case 2: return B64("{\"alg\":\"none\",\"typ\":\"at+jwt\"}") + "." + parts[1] + ".";
            case 3: return B64("{\"alg\":\"none\"}") + "." + parts[1];
            case 4: return B64("{\"alg\":\"ES256\",\"kid\":\"" + new string('k', r.Next(1000, 60000)) + "\"}") + "." + parts[1] + "." + parts[2];
            case 5: return B64("not json") + "." + parts[1] + "." + parts[2];
            case 6: return parts[0] + "." + B64("[1,2,3]") + "." + parts[2];
            case 7: return parts[0] + "." + B64("{\"exp\":1e400,\"iat\":\"x\",\"aud\":{},\"sub\":[]}") + "." + parts[2];
            case 8: return parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2] + "." + parts[2];
            case 9: return B64("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}") + "." + parts[1] + "." + parts[2];
            case 10: return parts[0] + "!." + parts[1] + "." + parts[2];
            case 11: return B64("{\"alg\":\"RS256\",\"kid\":\"../../etc/passwd\",\"jku\":\"https://evil.example/jwks\",\"crit\":[\"x\"]}") + "." + parts[1] + "." + parts[2];
            case 12: return parts[0] + "." + parts[1] + "." + Flip(r, parts[2]);
            default: return B64("{\"alg\":\"ES256\",\"zip\":\"DEF\",\"enc\":\"A256GCM\"}") + "." + parts[1] + "." + parts[2];
        }
    }

    public static string B64(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Flip(Random r, string value)
    {
        if (value.Length == 0)
        {
            return "x";
        }

        var chars = value.ToCharArray();
        var at = r.Next(chars.Length);
        chars[at] = chars[at] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    /// <summary>Hostile JSON for the admin API: deep nesting, huge numbers, wrong types, truncation, bad UTF-8.</summary>
    public static byte[] BadJson(Random r, string valid) => r.Next(12) switch
    {
        0 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
        1 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000)),
        2 => Encoding.UTF8.GetBytes(valid.Replace(":\"", ":1e400,\"x\":\"", StringComparison.Ordinal)),
        3 => Encoding.UTF8.GetBytes("{\"page\":99999999999999999999999999,\"pageSize\":-1e308,\"name\":12}"),
        4 => Encoding.UTF8.GetBytes(valid[..r.Next(0, valid.Length)]),
        5 => [.. Encoding.UTF8.GetBytes(valid[..(valid.Length / 2)]), .. InvalidUtf8(r), .. Encoding.UTF8.GetBytes(valid[(valid.Length / 2)..])],
        6 => Encoding.UTF8.GetBytes(r.Next(4) switch { 0 => "null", 1 => "[]", 2 => "\"text\"", _ => "42" }),
        7 => Encoding.UTF8.GetBytes(valid.Replace("\"", "'", StringComparison.Ordinal)),
        8 => [0xef, 0xbb, 0xbf, .. Encoding.UTF8.GetBytes(valid)],
        9 => Encoding.UTF8.GetBytes("{\"a\":\"" + Huge(r) + "\"}"),
        10 => Encoding.UTF8.GetBytes(valid.TrimEnd('}') + ",\"clientId\":true,\"clientId\":[],\"scopes\":{\"x\":null},\"__proto__\":{}}"),
        _ => Encoding.UTF8.GetBytes("{" + string.Join(',', Enumerable.Range(0, r.Next(100, 3000)).Select(i => $"\"k{i}\":{i}")) + "}"),
    };
}
