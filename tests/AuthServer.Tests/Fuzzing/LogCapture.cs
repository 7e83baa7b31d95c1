using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AuthServer.Tests.Fuzzing;

/// <summary>An in-memory logger provider that keeps every entry at Error or above, with its exception.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    public int Count => _errors.Count;

    public IReadOnlyList<string> Errors => [.. _errors];

    public IReadOnlyList<string> Since(int count) => [.. _errors.Skip(count)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                capture._errors.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
            }
        }
    }
}
