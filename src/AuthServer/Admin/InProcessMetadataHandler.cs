using AuthServer.Endpoints;

namespace AuthServer.Admin;

/// <summary>
/// The admin API validates its bearer tokens with AuthServer.Validation, exactly as any API does, but reads discovery
/// and the JWKS from this process rather than over the network: no request leaves the node, and a node behind a load
/// balancer does not depend on reaching itself through it.
/// </summary>
public sealed class InProcessMetadataHandler(MetadataEndpoints metadata) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri?.AbsolutePath;
        Func<HttpContext, Task>? write = path switch
        {
            MetadataEndpoints.OpenIdConfigurationPath or MetadataEndpoints.OAuthMetadataPath => metadata.WriteMetadataAsync,
            MetadataEndpoints.JwksPath => metadata.WriteJwksAsync,
            _ => null,
        };
        if (request.Method != HttpMethod.Get || write is null)
        {
            return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound) { RequestMessage = request };
        }

        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        await write(context);
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)context.Response.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(body.ToArray()),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", context.Response.ContentType ?? "application/json");
        if (context.Response.Headers.CacheControl.ToString() is { Length: > 0 } cacheControl)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        return response;
    }
}
