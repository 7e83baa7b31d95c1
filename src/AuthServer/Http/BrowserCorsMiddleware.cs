using System.Collections.Frozen;
using AuthServer.Data.Stores;
using AuthServer.Endpoints;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Http;

/// <summary>
/// CORS (the Fetch standard's CORS protocol) on the endpoints a browser application calls, for the origins clients
/// registered, and nowhere else: not introspection or the phantom token (servers call them), not authorize or end
/// session (navigations), not the admin API or pages. No credentials mode: these endpoints take an Authorization header
/// or form credentials, never cookies, so Access-Control-Allow-Credentials is not sent. An origin that is not allowed
/// gets no CORS header at all; its preflight is answered 204 without them, as ASP.NET Core's CORS middleware does, and
/// the browser stops there.
/// </summary>
public sealed class BrowserCorsMiddleware(RequestDelegate next, CorsOriginStore origins)
{
    /// <summary>How long a browser may reuse a preflight answer (browsers cap it: Chromium at 2 hours).</summary>
    public const int PreflightMaxAgeSeconds = 600;

    public const string AllowedHeaders = "Authorization, Content-Type";

    /// <summary>The CORS endpoints and the methods a browser may use on each.</summary>
    private static readonly FrozenDictionary<string, string> Methods = new Dictionary<string, string>
    {
        [TokenEndpoint.Path] = "POST",
        [RevocationEndpoint.Path] = "POST",
        [UserInfoEndpoint.Path] = "GET, POST",
        [MetadataEndpoints.OpenIdConfigurationPath] = "GET",
        [MetadataEndpoints.OAuthMetadataPath] = "GET",
        [MetadataEndpoints.JwksPath] = "GET",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Func<object, Task> AddVary = state =>
    {
        // The answer depends on Origin (RFC 9110 §12.5.5): a cache must not give one origin's answer to another.
        ((HttpResponse)state).Headers.Append(HeaderNames.Vary, "Origin");
        return Task.CompletedTask;
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is null || !Methods.TryGetValue(path.Length > 1 ? path.TrimEnd('/') : path, out var methods))
        {
            await next(context);
            return;
        }

        var response = context.Response;
        response.OnStarting(AddVary, response);
        var request = context.Request;
        var origin = request.Headers.Origin;
        var allowed = origin.Count == 1 && !string.IsNullOrEmpty(origin[0])
                      && await origins.IsAllowedAsync(origin[0]!, context.RequestAborted);
        if (HttpMethods.IsOptions(request.Method) && origin.Count > 0 && request.Headers.AccessControlRequestMethod.Count > 0)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            if (allowed)
            {
                response.Headers.AccessControlAllowOrigin = origin[0];
                response.Headers.AccessControlAllowMethods = methods;
                response.Headers.AccessControlAllowHeaders = AllowedHeaders;
                response.Headers.AccessControlMaxAge = PreflightMaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return;
        }

        if (allowed)
        {
            var value = origin[0]!;
            response.OnStarting(() =>
            {
                response.Headers.AccessControlAllowOrigin = value;

                // RFC 6750 §3: a bearer-token error is told in WWW-Authenticate only; the script needs to read it.
                response.Headers.AccessControlExposeHeaders = HeaderNames.WWWAuthenticate;
                return Task.CompletedTask;
            });
        }

        await next(context);
    }
}
