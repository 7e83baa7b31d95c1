using AuthServer.Data;
using AuthServer.Protocol.Errors;

namespace AuthServer.Http;

/// <summary>
/// The single place where failures become responses: protocol errors in RFC 6749 §5.2 form, database outages as
/// 503 temporarily_unavailable, anything else as a generic server_error. No stack trace leaves the process.
/// </summary>
public sealed class ErrorResponseMiddleware(RequestDelegate next, ILogger<ErrorResponseMiddleware> log, AuthServerMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !context.Response.HasStarted)
            {
                // Routing's answer to a method the endpoint does not take (a GET to the token endpoint, say) has no
                // body; a client gets the reason in the protocol's error format, with the 405 and its Allow header.
                await WriteMethodNotAllowedAsync(context);
            }
        }
        catch (OAuthException e)
        {
            log.LogInformation("{Path}: {Error} ({Detail})", context.Request.Path.Value, e.Code.WireName(), e.Detail ?? e.Description);
            await WriteAsync(context, e);
        }
        catch (BadHttpRequestException e)
        {
            log.LogInformation("{Path}: bad HTTP request ({Reason})", context.Request.Path.Value, e.Message);
            await WriteAsync(context, OAuthException.InvalidRequest("The request is malformed."));
        }
        catch (Exception e) when (DatabaseOutage.IsOutage(e) && !context.RequestAborted.IsCancellationRequested)
        {
            DatabaseOutageResponse.Record(context, e, log);
            await WriteAsync(context, new OAuthException(OAuthErrorCode.TemporarilyUnavailable,
                "The service is temporarily unavailable; retry shortly."));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e)
        {
            log.LogError(e, "{Path}: unexpected failure", context.Request.Path.Value);
            await WriteAsync(context, new OAuthException(OAuthErrorCode.ServerError, "The server encountered an unexpected error."));
        }
    }

    /// <summary>Keeps routing's status and Allow header (the response is not cleared), adds the reason.</summary>
    private Task WriteMethodNotAllowedAsync(HttpContext context)
    {
        var allowed = context.Response.Headers.Allow.ToString();
        var error = OAuthException.InvalidRequest(allowed.Length == 0
            ? "This endpoint does not accept this HTTP method."
            : $"This endpoint accepts only {allowed}.");
        metrics.ProtocolError(context.Request.Path.Value ?? "", error.Code.WireName());
        return ProtocolResults.WriteErrorAsync(context.Response, error, StatusCodes.Status405MethodNotAllowed);
    }

    private async Task WriteAsync(HttpContext context, OAuthException error)
    {
        metrics.ProtocolError(context.Request.Path.Value ?? "", error.Code.WireName());
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        await ProtocolResults.WriteErrorAsync(context.Response, error);
    }
}
