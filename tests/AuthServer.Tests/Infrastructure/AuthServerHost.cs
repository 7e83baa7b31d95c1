using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// The real application on Kestrel, on a loopback port, over a real database, with a fake clock.
/// Tests talk to it through HttpClient only.
/// </summary>
public sealed class AuthServerHost : IAsyncDisposable
{
    private AuthServerHost(WebApplication app, HttpClient http, string issuer, FakeTimeProvider time, HostSettings settings)
    {
        App = app;
        Http = http;
        Issuer = issuer;
        Time = time;
        Settings = settings;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public string Issuer { get; }

    public FakeTimeProvider Time { get; }

    public HostSettings Settings { get; }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public int Port => new Uri(Issuer).Port;

    /// <summary>
    /// Limits no test reaches: every request of a test class comes from 127.0.0.1, and some classes sign in many
    /// times. The limiter still runs; tests of the limits themselves set low ones after these (the last value wins).
    /// </summary>
    public static readonly string[] UnreachedRateLimits =
    [
        .. new[] { "Token", "Introspection", "LoginPerSource", "LoginPerAccount", "MfaPerSource", "MfaPerAccount", "PerSource", "Health" }
            .Select(policy => $"--AuthServer:RateLimits:{policy}:PermitLimit=1000000"),
    ];

    /// <param name="configure">Adds to the host before it is built (e.g. a logger provider that captures every log line).</param>
    public static async Task<AuthServerHost> StartAsync(
        HostSettings settings, FakeTimeProvider? time = null, int? port = null, Action<WebApplicationBuilder>? configure = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        port ??= Loopback.FreePort();
        var issuer = $"http://127.0.0.1:{port}";
        string[] args =
        [
            $"--Urls={issuer}",
            $"--AuthServer:Issuer={issuer}",
            $"--AuthServer:Database:Provider={settings.Provider}",
            $"--AuthServer:Database:ConnectionString={settings.ConnectionString}",
            $"--AuthServer:KeysDirectory={settings.KeysDirectory}",
            "--Logging:LogLevel:Default=Warning",

            // Production environment, plain HTTP on loopback (docs/http-hardening.md); the HTTPS tests override it.
            "--AuthServer:Http:RequireHttps=false",
            .. UnreachedRateLimits,
            .. settings.ExtraArgs,
        ];
        var app = await AuthServerApp.CreateAsync(args, b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            configure?.Invoke(b);
        });
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri(issuer) };
        return new AuthServerHost(app, http, issuer, time, settings);
    }

    /// <summary>Imports a configuration file through the same importer the CLI uses.</summary>
    public async Task<ImportResult> ImportAsync(string json)
    {
        var result = await new ConfigurationImporter(Service<AuthServerDatabase>(), Time, Service<AuthServer.Protocol.Grants.GrantHandlers>().Names.ToHashSet())
            .ImportAsync(json, CancellationToken.None);
        Assert.Empty(result.Errors);
        return result;
    }

    public async Task<HttpResponseMessage> PostFormAsync(
        string path, IEnumerable<(string Name, string Value)> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))),
        };
        if (basic is { } b)
        {
            request.Headers.Authorization = BasicHeader(b.Id, b.Secret);
        }

        return await Http.SendAsync(request);
    }

    public static AuthenticationHeaderValue BasicHeader(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    public async Task<string> IssueAsync((string Id, string Secret) client, params (string Name, string Value)[] extra)
    {
        using var response = await PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. extra], client);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public async Task<JsonElement> IntrospectAsync(string token, (string Id, string Secret) caller)
    {
        using var response = await PostFormAsync("/connect/introspect", [("token", token)], caller);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Waits until every audit event queued so far is committed: audit events of the pages and the engine are queued, and
    /// the writer commits in queue order, so one written durably after them has them all before it.
    /// </summary>
    public Task FlushAuditAsync() => Service<AuthServer.Protocol.Audit.IAuditSink>().RecordDurablyAsync(
        new AuthServer.Protocol.Audit.AuditEvent(Time.GetUtcNow(), "test.flush", "success"), CancellationToken.None);

    /// <summary>Creates a user through Identity, as `authserver users add` does.</summary>
    public async Task<UserEntity> CreateUserAsync(string userName, string password, params string[] roles)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var user = new UserEntity { UserName = userName, CreatedAt = Time.GetUtcNow() };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        foreach (var role in roles)
        {
            var roleManager = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            if (!await roleManager.RoleExistsAsync(role))
            {
                await roleManager.CreateAsync(new IdentityRole(role));
            }

            await users.AddToRoleAsync(user, role);
        }

        return user;
    }

    public async Task<UserEntity> FindUserAsync(string userName)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>().FindByNameAsync(userName))!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Where a host keeps its state; two hosts with the same settings share database and keys.</summary>
public sealed record HostSettings(string Provider, string ConnectionString, string KeysDirectory, string[] ExtraArgs)
{
    public static HostSettings NewSqlite(string folder) => new(
        "Sqlite", $"Data Source={Path.Combine(folder, "authserver.db")}", Path.Combine(folder, "keys"), []);
}
