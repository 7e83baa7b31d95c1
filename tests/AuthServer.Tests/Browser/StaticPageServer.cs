using System.Net;
using System.Text;

namespace AuthServer.Tests.Browser;

/// <summary>A real loopback listener that answers every request with one fixed HTML page: "another site" for a browser test.</summary>
public sealed class StaticPageServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public StaticPageServer(string html)
    {
        Url = $"http://127.0.0.1:{AuthServer.Testing.Loopback.FreePort()}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        var body = Encoding.UTF8.GetBytes(html);
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
    }

    public string Url { get; }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
