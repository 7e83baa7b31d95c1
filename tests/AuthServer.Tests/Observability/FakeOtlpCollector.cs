using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AuthServer.Testing;

namespace AuthServer.Tests.Observability;

/// <summary>
/// An OTLP/HTTP collector that only listens: it accepts POST /v1/{metrics,traces,logs} (protobuf bodies), keeps each
/// body, and answers 200. An HttpListener rather than Kestrel, so its own requests are not traced by the host under
/// test (ASP.NET Core's activity source is process-wide). Waiting is bounded and event-driven: no sleeps.
/// </summary>
public sealed class FakeOtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _received = new();
    private readonly List<(string Signal, Func<byte[], bool> Match, TaskCompletionSource<byte[]> Done)> _waiters = [];
    private readonly Task _loop;

    public FakeOtlpCollector()
    {
        var port = Loopback.FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    /// <summary>Every body received for <paramref name="signal"/> (metrics, traces or logs) so far.</summary>
    public IReadOnlyList<byte[]> Received(string signal) => _received.Where(r => r.Signal == signal).Select(r => r.Body).ToList();

    /// <summary>The first body of <paramref name="signal"/> (already received or still to come) that <paramref name="match"/> accepts.</summary>
    public async Task<byte[]> WaitForAsync(string signal, Func<byte[], bool> match, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((signal, match, done));
            foreach (var (s, body) in _received)
            {
                if (s == signal && match(body))
                {
                    done.TrySetResult(body);
                }
            }
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var last = _received.LastOrDefault(r => r.Signal == signal).Body ?? [];
            throw new TimeoutException($"No {signal} export matched within {timeout} ({_received.Count(r => r.Signal == signal)} " +
                $"{signal} exports received; the last one's text: {Printable(last)})");
        }
    }

    /// <summary>The readable strings of a protobuf body (names, keys, string values), for a failure message.</summary>
    private static string Printable(byte[] body)
    {
        var text = System.Text.RegularExpressions.Regex.Matches(Encoding.ASCII.GetString(body), "[ -~]{4,}").Select(m => m.Value);
        var joined = string.Join(" | ", text);
        var ours = joined.IndexOf("authserver.", StringComparison.Ordinal);
        joined = ours > 0 ? "…" + joined[ours..] : joined;
        return joined.Length > 3000 ? joined[..3000] + "…" : joined;
    }

    public static Func<byte[], bool> Contains(params string[] texts) =>
        body => texts.All(t => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(t)) >= 0);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;
            var signal = context.Request.HttpMethod == "POST" && path.StartsWith("/v1/", StringComparison.Ordinal) ? path[4..] : "unknown:" + path;
            var bytes = body.ToArray();
            _received.Enqueue((signal, bytes));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
            lock (_waiters)
            {
                foreach (var waiter in _waiters.Where(w => w.Signal == signal && w.Match(bytes)))
                {
                    waiter.Done.TrySetResult(bytes);
                }
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
