using System.Collections.Concurrent;
using System.Net;
using AuthServer.Http;
using AuthServer.RateLimiting;
using AuthServer.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuthServer.Tests.RateLimiting;

/// <summary>The warning a refusal logs: at most one line a second per policy, and never what the caller typed.</summary>
public sealed class RateLimitLogTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Lines _log = new();

    [Fact]
    public async Task Refusals_LogOneLineASecondPerPolicy_CountingTheOthers_WithoutWhatWasTyped()
    {
        var rejections = new RateLimitRejections(new AuthServerMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new NoSigningKeys(), _time), _log, _time);

        for (var i = 0; i < 3; i++)
        {
            await rejections.WriteAsync(Login("alice-typed-her-password-here"), RateLimitPolicy.LoginPerAccount, TimeSpan.FromSeconds(5.2));
        }

        await rejections.WriteAsync(Login("bob"), RateLimitPolicy.LoginPerSource, null);
        _time.Advance(TimeSpan.FromSeconds(1));
        var last = Login("carol");
        await rejections.WriteAsync(last, RateLimitPolicy.LoginPerAccount, TimeSpan.FromSeconds(5.2));

        Assert.Equal(
        [
            "Warning: Rate limit login_account refused POST /account/login from 198.51.100.7 (and 0 other refusals of this policy since the last such line)",
            "Warning: Rate limit login_source refused POST /account/login from 198.51.100.7 (and 0 other refusals of this policy since the last such line)",
            "Warning: Rate limit login_account refused POST /account/login from 198.51.100.7 (and 2 other refusals of this policy since the last such line)",
        ], _log.Written);
        Assert.Equal(StatusCodes.Status429TooManyRequests, last.Response.StatusCode);
        Assert.Equal("6", last.Response.Headers.RetryAfter.ToString());
    }

    private sealed class NoSigningKeys : AuthServer.Protocol.Keys.ISigningKeyRingSource
    {
        public AuthServer.Protocol.Keys.SigningKeyRing Current { get; } = new([]);
    }

    private static DefaultHttpContext Login(string userName)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/account/login";
        context.Request.Form = new FormCollection(new() { ["Username"] = userName, ["Password"] = "secret" });
        context.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.7");
        return context;
    }

    public void Dispose() => _services.Dispose();

    private sealed class Lines : ILogger<RateLimitRejections>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Written => _lines.ToList();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
