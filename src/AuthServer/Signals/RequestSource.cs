using System.Net;

namespace AuthServer.Signals;

/// <summary>
/// Where a request came from: the connection's remote address (the app configures no forwarded-headers handling,
/// so a proxy's X-Forwarded-For is not trusted). IPv4 callers on a dual-stack socket are shown as IPv4.
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
