using System.Net.Http.Headers;
using AuthServer.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuthServer.Validation.Tests.Infrastructure;

/// <summary>A protected API on loopback that uses the library the way the README says, clocked by a fake time.</summary>
public sealed class TestApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApi(WebApplication app, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
    }

    public HttpClient Client { get; }

    public CapturedLogs Logs { get; }

    public static async Task<TestApi> StartAsync(string authority, FakeTimeProvider time, Action<AuthServerValidationOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSingleton<TimeProvider>(time);

        builder.Services.AddAuthServerAuthentication(o =>
        {
            o.Authority = authority;
            o.Audience = Tokens.Audience;
            configure?.Invoke(o);
        });
        builder.Services.AddAuthorizationBuilder()
            .AddScopePolicy("orders.read")
            .AddPolicy("orders.admin", p => p.RequireScope("orders.read", "orders.admin"))
            .AddPolicy("orders.write-or-admin", p => p.RequireAnyScope("orders.write", "orders.admin"))
            .AddPolicy("orders-client", p => p.RequireClaimValue("client_id", "orders-client"));

        var app = builder.Build();
        app.MapGet("/me", async (HttpContext http) =>
        {
            var auth = await http.AuthenticateAsync();
            return Results.Json(new
            {
                sub = http.User.Identity!.Name,
                claims = http.User.Claims.Select(c => new[] { c.Type, c.Value, c.ValueType }),
                format = auth.Properties!.Items[AuthServerValidationDefaults.TokenFormatProperty],
                typ = auth.Properties.Items.TryGetValue(AuthServerValidationDefaults.TokenTypeProperty, out var typ) ? typ : null,
            });
        }).RequireAuthorization();
        app.MapGet("/orders", () => "orders").RequireAuthorization("orders.read");
        app.MapGet("/orders/admin", () => "admin").RequireAuthorization("orders.admin");
        app.MapGet("/orders/write", () => "write").RequireAuthorization("orders.write-or-admin");
        app.MapGet("/orders/client", () => "client").RequireAuthorization("orders-client");
        app.MapGet("/public", () => "public");

        await app.StartAsync();
        return new TestApi(app, logs);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
