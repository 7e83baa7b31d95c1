using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthServer.Tests.Fuzzing;

/// <summary>A response as read off the socket. Status 0 means the server closed the connection without answering.</summary>
public sealed record RawResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, bool TimedOut)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public string? MediaType => Header("Content-Type")?.Split(';')[0].Trim().ToLowerInvariant();

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A small HTTP/1.1 sender on a raw TCP socket to a loopback port: every request uses its own connection with
/// "Connection: close", and the response is read until the server closes. It sends whatever bytes it is given.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(int port, byte[] message, bool halfClose, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            try
            {
                await socket.SendAsync(message, SocketFlags.None, cts.Token);
                if (halfClose)
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
            }
            catch (SocketException)
            {
                // The server may answer (413, 431, 400) and close before the whole message is written: read what it said.
            }

            var buffer = new byte[16 * 1024];
            while (true)
            {
                int read;
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                }
                catch (SocketException)
                {
                    break; // reset after the answer: what was read stands
                }

                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return Parse(received.ToArray()) with { TimedOut = true };
        }

        return Parse(received.ToArray());
    }

    public static RawResponse Parse(byte[] data)
    {
        var headEnd = FuzzRequest.IndexOf(data, "\r\n\r\n"u8);
        if (data.Length == 0 || headEnd < 0)
        {
            return new RawResponse(0, [], data, false);
        }

        var lines = Encoding.Latin1.GetString(data, 0, headEnd).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        var status = statusParts.Length >= 2 && int.TryParse(statusParts[1], out var s) ? s : -1;
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .Select(p => (p[0].Trim(), p[1].Trim()))
            .ToList();
        var body = data[(headEnd + 4)..];

        // Only the first answer counts: what follows a Content-Length is the answer to bytes Kestrel read as a second request.
        if (headers.FirstOrDefault(h => h.Item1.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Item2 is { } length
            && int.TryParse(length, out var contentLength) && contentLength < body.Length)
        {
            body = body[..contentLength];
        }

        if (headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Item2.Contains("chunked")))
        {
            body = Unchunk(body);
        }

        return new RawResponse(status, headers, body, false);
    }

    private static byte[] Unchunk(byte[] body)
    {
        var output = new MemoryStream();
        var offset = 0;
        while (offset < body.Length)
        {
            var lineEnd = body.AsSpan(offset).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(body, offset, lineEnd).Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            offset += lineEnd + 2;
            Debug.Assert(offset + size <= body.Length);
            output.Write(body, offset, Math.Min(size, body.Length - offset));
            offset += size + 2;
        }

        return output.ToArray();
    }
}
