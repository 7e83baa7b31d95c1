using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AuthServer.Validation.Tests.Infrastructure;

/// <summary>
/// Stands in for AuthServer on loopback: discovery, JWKS and introspection, with hit counters so tests can prove
/// how often the library calls it.
/// </summary>
public sealed class FakeAuthority : IAsyncDisposable
{
    // Characters that must be form-urlencoded before HTTP Basic (RFC 6749 §2.3.1).
    public const string ClientId = "orders api:1";
    public const string ClientSecret = "s3cr+t/=%&";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private IReadOnlyList<TestKey> _published = [];
    private int _discoveryHits;
    private int _jwksHits;
    private int _introspectionHits;

    private FakeAuthority(WebApplication app) => _app = app;

    /// <summary>The issuer, as discovery states it and tokens carry it: http://127.0.0.1:port, no trailing slash.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>When set, discovery claims this issuer instead of its own.</summary>
    public string? DiscoveryIssuer { get; set; }

    public string JwksCacheControl { get; set; } = "public, max-age=300";

    public int DiscoveryHits => Volatile.Read(ref _discoveryHits);

    public int JwksHits => Volatile.Read(ref _jwksHits);

    public int IntrospectionHits => Volatile.Read(ref _introspectionHits);

    /// <summary>What introspection answers per token; any other token is inactive.</summary>
    public ConcurrentDictionary<string, string> IntrospectionResponses { get; } = new(StringComparer.Ordinal);

    public int IntrospectionStatus { get; set; } = StatusCodes.Status200OK;

    /// <summary>When true, discovery answers 503: the authority is down.</summary>
    public bool Unavailable { get; set; }

    public static async Task<FakeAuthority> StartAsync(params TestKey[] keys)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var authority = new FakeAuthority(app);
        authority.Publish(keys.Length > 0 ? keys : [TestKey.Es256, TestKey.Rs256]);

        app.MapGet("/.well-known/openid-configuration", authority.DiscoveryAsync);
        app.MapGet("/.well-known/jwks.json", authority.JwksAsync);
        app.MapPost("/connect/introspect", authority.IntrospectAsync);

        await app.StartAsync();
        authority.Issuer = app.Urls.Single().TrimEnd('/');
        return authority;
    }

    /// <summary>Replaces the published key set (a rotation).</summary>
    public void Publish(params TestKey[] keys)
    {
        lock (_gate)
        {
            _published = keys;
        }
    }

    public void SetIntrospection(string token, object response) =>
        IntrospectionResponses[token] = JsonSerializer.Serialize(response);

    private Task DiscoveryAsync(HttpContext http)
    {
        Interlocked.Increment(ref _discoveryHits);
        if (Unavailable)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable).ExecuteAsync(http);
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = DiscoveryIssuer ?? Issuer,
            ["jwks_uri"] = Issuer + "/.well-known/jwks.json",
            ["introspection_endpoint"] = Issuer + "/connect/introspect",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }).ExecuteAsync(http);
    }

    private Task JwksAsync(HttpContext http)
    {
        Interlocked.Increment(ref _jwksHits);
        IReadOnlyList<TestKey> keys;
        lock (_gate)
        {
            keys = _published;
        }

        http.Response.Headers.CacheControl = JwksCacheControl;
        return Results.Json(new { keys = keys.Select(k => k.PublicJwk()) }).ExecuteAsync(http);
    }

    private async Task IntrospectAsync(HttpContext http)
    {
        Interlocked.Increment(ref _introspectionHits);
        if (!HasClientCredentials(http.Request.Headers.Authorization.ToString()))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await http.Response.WriteAsJsonAsync(new { error = "invalid_client" });
            return;
        }

        var form = await http.Request.ReadFormAsync();
        var token = form["token"].ToString();
        http.Response.StatusCode = IntrospectionStatus;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(IntrospectionResponses.GetValueOrDefault(token, """{"active":false}"""));
    }

    /// <summary>As AuthServer reads them: Basic, base64 of form-urlencoded id ":" secret.</summary>
    private static bool HasClientCredentials(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        static string Unescape(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
        return colon > 0 && Unescape(decoded[..colon]) == ClientId && Unescape(decoded[(colon + 1)..]) == ClientSecret;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
