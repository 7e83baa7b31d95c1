using System.Net;

namespace AuthServer.Signals;

/// <summary>
/// Where a request came from: the connection's remote address, which is the client's own when the request came through
/// a proxy in AuthServer:Http:TrustedProxies (its X-Forwarded-For is applied first; anyone else's is ignored).
/// IPv4 callers on a dual-stack socket are shown as IPv4.
/// </summary>
public static class RequestSource
{
    public static string? Of(HttpContext? context) => context?.Connection.RemoteIpAddress switch
    {
        null => null,
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),

        // IPAddress keeps its formatted text, so on a kept-alive connection this allocates once.
        IPAddress address => address.ToString(),
    };
}
