using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuthServer.Tests.Observability;

/// <summary>
/// A logger provider that keeps every log entry of every category at every level, written out as a console or OTLP
/// exporter would see it: category, level, event, formatted message, every structured value, every scope (with its
/// values) and the exception's ToString().
/// </summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Command-line settings that enable every category at Trace (appsettings.json raises some to Warning).</summary>
    public static readonly string[] EverythingArgs =
    [
        "--Logging:LogLevel:Default=Trace",
        "--Logging:LogLevel:Microsoft=Trace",
        "--Logging:LogLevel:Microsoft.AspNetCore=Trace",
        "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Trace",
        "--Logging:LogLevel:System=Trace",
    ];

    public IReadOnlyCollection<string> Entries => _entries;

    /// <summary>Replaces the host's providers (no console spam at Trace) with this one.</summary>
    public void AddTo(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSingleton<ILoggerProvider>(this);
    }

    public string Text() => string.Join('\n', _entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static void AppendValues(StringBuilder line, object? state)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                line.Append(' ').Append(key).Append('=').Append(Format(value));
            }
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => "null",
        string s => s,
        IEnumerable e => string.Join(",", e.Cast<object?>()),
        _ => value.ToString(),
    };

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new StringBuilder()
                .Append(logLevel).Append(' ').Append(category).Append('[').Append(eventId.Id).Append(' ').Append(eventId.Name).Append("] ")
                .Append(formatter(state, exception));
            AppendValues(line, state);
            owner._scopes.ForEachScope((scope, l) =>
            {
                l.Append(" => ").Append(scope);
                AppendValues(l, scope);
            }, line);
            if (exception is not null)
            {
                line.Append('\n').Append(exception);
            }

            owner._entries.Enqueue(line.ToString());
        }
    }
}
