using System.Diagnostics;
using System.Security.Cryptography;

namespace AuthServer.Observability;

/// <summary>
/// One correlation id per request: on every log line of the request (a logging scope), and echoed in the
/// X-Correlation-Id response header. A caller's X-Correlation-Id (or X-Request-Id) is kept only when it is a short
/// token of safe characters, so a header can never smuggle line breaks or markup into logs or responses; otherwise
/// the id is the request's W3C trace id (which joins the logs to exported traces), else random.
/// </summary>
public sealed class CorrelationIdMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    public const string Header = "X-Correlation-Id";
    public const string RequestIdHeader = "X-Request-Id";
    public const int MaxLength = 64;

    private readonly ILogger _log = loggers.CreateLogger("AuthServer.Correlation");

    public async Task InvokeAsync(HttpContext context)
    {
        var id = Accept(context.Request.Headers[Header]) ?? Accept(context.Request.Headers[RequestIdHeader]) ?? NewId();

        // One object is both the logging scope and the header callback's state (this runs on every request).
        var scope = new CorrelationScope(id, context.Response);

        // Set when the headers go out: error handlers clear the response (and its headers) before they write.
        context.Response.OnStarting(CorrelationScope.WriteHeader, scope);
        using (_log.BeginScope(scope))
        {
            await next(context);
        }
    }

    /// <summary>One value of 1–64 characters from [A-Za-z0-9._-]; anything else is ignored.</summary>
    public static string? Accept(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxLength } value)
        {
            return null;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return null;
            }
        }

        return value;
    }

    private static string NewId() =>
        Activity.Current is { TraceId: var trace } && trace != default
            ? trace.ToHexString()
            : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The scope's state: one named value, so JSON logs carry "CorrelationId" in their scopes.</summary>
    private sealed class CorrelationScope(string id, HttpResponse response) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public static readonly Func<object, Task> WriteHeader = state => ((CorrelationScope)state).WriteHeaderAsync();

        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new("CorrelationId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"CorrelationId:{id}";

        private Task WriteHeaderAsync()
        {
            response.Headers[Header] = id;
            return Task.CompletedTask;
        }
    }
}

public static class CorrelationIdExtensions
{
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.UseMiddleware<CorrelationIdMiddleware>();
}
