using System.Text;

namespace AuthServer.Tests.Fuzzing;

/// <summary>Which answer shape the oracle expects: the pipeline branch the request lands in.</summary>
public enum FuzzFamily
{
    /// <summary>/connect and /.well-known: RFC 6749 §5.2 JSON errors (RFC 6750 challenges at userinfo and phantom).</summary>
    Protocol,

    /// <summary>/connect/authorize and /connect/endsession: browser endpoints, errors as a page or a redirect.</summary>
    BrowserProtocol,

    /// <summary>/admin/api: RFC 9457 problem details.</summary>
    AdminApi,

    /// <summary>/health: probes answer in their own small format (plain text or JSON); only the status rules apply.</summary>
    Health,

    /// <summary>Everything else: HTML pages, assets, unknown paths.</summary>
    Page,
}

/// <summary>How the request is framed on the wire; anything but Normal is a deliberately broken HTTP message.</summary>
public enum Framing
{
    Normal,
    Chunked,
    ContentLengthShort,
    ContentLengthLong,
    ContentLengthDuplicated,
    ContentLengthInvalid,
    Raw,
}

/// <summary>
/// One fuzz request, kept structured (query, form, headers) so mutations stay meaningful, and written as raw
/// HTTP/1.1 bytes so anything can be sent: invalid UTF-8, CR/LF in a header, a lying Content-Length.
/// </summary>
public sealed class FuzzRequest
{
    public required FuzzFamily Family { get; init; }

    /// <summary>The route pattern of the endpoint the request was built for (or "(unknown)").</summary>
    public required string Endpoint { get; init; }

    public string Method { get; set; } = "GET";

    public string Path { get; set; } = "/";

    public List<(string Name, string Value)> Query { get; set; } = [];

    /// <summary>When set, the query as raw bytes (after the '?'), replacing <see cref="Query"/>.</summary>
    public byte[]? RawQuery { get; set; }

    public List<(string Name, string Value)> Headers { get; } = [];

    /// <summary>An x-www-form-urlencoded body, percent-encoded as UTF-8.</summary>
    public List<(string Name, string Value)>? Form { get; set; }

    /// <summary>When set, the body as raw bytes, replacing <see cref="Form"/>.</summary>
    public byte[]? Body { get; set; }

    public Framing Framing { get; set; } = Framing.Normal;

    /// <summary>For <see cref="Framing.Raw"/>: the whole message as sent.</summary>
    public byte[]? RawMessage { get; set; }

    public List<string> Mutations { get; } = [];

    /// <summary>True once the HTTP message itself is broken: Kestrel may answer before the app sees it.</summary>
    public bool Malformed => Framing != Framing.Normal;

    public string? Header(string name) => Headers.LastOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public void SetHeader(string name, string? value)
    {
        Headers.RemoveAll(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (value is not null)
        {
            Headers.Add((name, value));
        }
    }

    /// <summary>The path the message carries: a raw message was written when it was made, before later mutations.</summary>
    public string SentPath()
    {
        if (Framing != Framing.Raw || RawMessage is null)
        {
            return Path;
        }

        var line = Encoding.UTF8.GetString(RawMessage, 0, Math.Max(0, IndexOf(RawMessage, "\r\n"u8))).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return line.Length > 1 ? line[1].Split('?')[0] : Path;
    }

    public byte[] BodyBytes() => Body ?? (Form is null ? [] : Encoding.UTF8.GetBytes(Encode(Form)));

    public string Target()
    {
        var query = RawQuery is not null ? Encoding.Latin1.GetString(RawQuery) : Encode(Query);
        return query.Length == 0 && RawQuery is null ? Path : Path + "?" + query;
    }

    public static string Encode(IEnumerable<(string Name, string Value)> pairs) =>
        string.Join('&', pairs.Select(p => Escape(p.Name) + "=" + Escape(p.Value)));

    /// <summary>Percent-encodes as UTF-8; lone surrogates become U+FFFD rather than throwing.</summary>
    private static string Escape(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }

        return builder.ToString();
    }

    /// <summary>The HTTP/1.1 message; header names and values go out as UTF-8 bytes, whatever they hold.</summary>
    public byte[] ToBytes(string authority)
    {
        if (Framing == Framing.Raw && RawMessage is not null)
        {
            return RawMessage;
        }

        var body = BodyBytes();
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target()).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(authority).Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Connection: close\r\n");
        var sendsBody = body.Length > 0 || Method is "POST" or "PUT" or "PATCH";
        byte[] content = body;
        switch (Framing)
        {
            case Framing.Chunked:
                head.Append("Transfer-Encoding: chunked\r\n");
                content = Chunk(body);
                break;
            case Framing.ContentLengthShort:
                head.Append("Content-Length: ").Append(body.Length + 17).Append("\r\n");
                break;
            case Framing.ContentLengthLong:
                head.Append("Content-Length: ").Append(Math.Max(0, body.Length / 2)).Append("\r\n");
                break;
            case Framing.ContentLengthDuplicated:
                head.Append("Content-Length: ").Append(body.Length).Append("\r\nContent-Length: ").Append(body.Length + 1).Append("\r\n");
                break;
            case Framing.ContentLengthInvalid:
                head.Append("Content-Length: ").Append(body.Length).Append("x, -1\r\n");
                break;
            default:
                if (sendsBody)
                {
                    head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
                }

                break;
        }

        head.Append("\r\n");
        var headBytes = Encoding.UTF8.GetBytes(head.ToString());
        return [.. headBytes, .. content];
    }

    private static byte[] Chunk(byte[] body)
    {
        var output = new List<byte>();
        for (var offset = 0; offset < body.Length; offset += 1000)
        {
            var length = Math.Min(1000, body.Length - offset);
            output.AddRange(Encoding.ASCII.GetBytes(length.ToString("x") + "\r\n"));
            output.AddRange(body.AsSpan(offset, length).ToArray());
            output.AddRange("\r\n"u8.ToArray());
        }

        output.AddRange("0\r\n\r\n"u8.ToArray());
        return [.. output];
    }

    /// <summary>What a failure report shows, enough to send the same request again.</summary>
    public string Describe(string authority)
    {
        var message = ToBytes(authority);
        var headEnd = IndexOf(message, "\r\n\r\n"u8);
        var head = headEnd < 0 ? message : message[..headEnd];
        var body = headEnd < 0 ? [] : message[(headEnd + 4)..];
        var text = new StringBuilder();
        text.Append("endpoint ").Append(Endpoint).Append(" (").Append(Family).Append("), mutations: ")
            .Append(Mutations.Count == 0 ? "none" : string.Join(", ", Mutations)).Append('\n');
        foreach (var line in Encoding.UTF8.GetString(head).Split("\r\n"))
        {
            text.Append(line.Length > 300 ? line[..300] + $"... ({line.Length} chars)" : line).Append('\n');
        }

        text.Append($"body: {body.Length} bytes, hex prefix: ").Append(Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 128))));
        return text.ToString();
    }

    /// <summary>
    /// True when Kestrel itself refuses the message before the app's branch sees it (RFC 9112 §3, §5): bytes outside
    /// visible ASCII in the request line or a header, or a request line or header section over Kestrel's limits.
    /// Such an answer is Kestrel's bare 400/414/431, which the oracle accepts without the branch's error shape.
    /// </summary>
    public bool RefusedByKestrel(string authority)
    {
        if (Malformed)
        {
            return true;
        }

        var message = ToBytes(authority);
        var headEnd = IndexOf(message, "\r\n\r\n"u8);
        var head = headEnd < 0 ? message : message[..headEnd];
        var lineEnd = IndexOf(head, "\r\n"u8);
        return head.Length > 32 * 1024 || lineEnd > 8 * 1024
            || head.Any(b => b is (< 0x20 and not (byte)'\r' and not (byte)'\n' and not (byte)'\t') or >= 0x7f)
            || Headers.Any(h => h.Value.Contains('\r') || h.Value.Contains('\n'))
            || Path.Contains("%00", StringComparison.Ordinal) // Kestrel refuses a NUL in the decoded path
            || Headers.Any(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)); // a second Host (RFC 9112 §3.2)
    }

    public static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
