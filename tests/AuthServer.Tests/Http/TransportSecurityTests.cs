using System.Net;
using System.Text.Json;
using AuthServer.Hosting;
using AuthServer.Testing;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Http.HttpTestSupport;

namespace AuthServer.Tests.Http;

/// <summary>
/// One host with RequireHttps=true and an https issuer, listening on HTTPS (a certificate made here) and on plain HTTP,
/// trusting 127.0.0.2 as its reverse proxy. Tests connect from 127.0.0.1 (not trusted) or 127.0.0.2 (trusted).
/// </summary>
public sealed class HttpsHostFixture : IAsyncLifetime
{
    public static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.2");
    private readonly TempFolder _folder = new();
    private AuthServerHost? _host;

    public AuthServerHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    public Uri HttpsAddress { get; private set; } = null!;

    public Uri HttpAddress { get; private set; } = null!;

    public string Thumbprint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var (path, password, thumbprint) = CreateCertificate(_folder.Path);
        Thumbprint = thumbprint;
        var ports = Loopback.FreePorts(2);
        HttpAddress = new Uri($"http://127.0.0.1:{ports[0]}");
        HttpsAddress = new Uri($"https://127.0.0.1:{ports[1]}");
        _host = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path) with
        {
            ExtraArgs =
            [
                $"--AuthServer:Issuer=https://127.0.0.1:{ports[1]}",
                "--AuthServer:Http:RequireHttps=true",
                $"--AuthServer:Http:TrustedProxies:0={Proxy}",
                $"--Kestrel:Endpoints:Http:Url={HttpAddress}",
                $"--Kestrel:Endpoints:Https:Url={HttpsAddress}",
                $"--Kestrel:Endpoints:Https:Certificate:Path={path}",
                $"--Kestrel:Endpoints:Https:Certificate:Password={password}",
            ],
        }, port: ports[0]);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _folder.Dispose();
    }
}

public sealed class TransportSecurityTests(HttpsHostFixture fixture) : IClassFixture<HttpsHostFixture>
{
    private HttpClient Https() => ClientFrom(IPAddress.Loopback, fixture.HttpsAddress, fixture.Thumbprint);

    private HttpClient PlainFrom(IPAddress local) => ClientFrom(local, fixture.HttpAddress);

    [Fact]
    public async Task Https_Discovery_CarriesHstsAndTheSecurityHeaders()
    {
        using var http = Https();

        using var response = await http.GetAsync("/.well-known/openid-configuration");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
        AssertBaseline(response);
        var issuer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issuer").GetString();
        Assert.Equal(fixture.HttpsAddress.GetLeftPart(UriPartial.Authority), issuer);
    }

    [Fact]
    public async Task Https_TokenEndpoint_IsServed()
    {
        using var http = Https();

        using var response = await TokenAsync(http, ("nobody", "wrong"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task PlainHttp_TokenEndpoint_IsRefusedWithInvalidRequestNotRedirected()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await TokenAsync(http, ("nobody", "wrong"));

        var error = await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal("HTTPS is required.", error.GetProperty("error_description").GetString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        AssertBaseline(response);
    }

    [Fact]
    public async Task PlainHttp_Discovery_IsRefused()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await http.GetAsync("/.well-known/openid-configuration");

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task PlainHttp_AdminApi_IsRefusedWithProblemDetails()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await http.GetAsync("/admin/api/v1/clients");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("HTTPS is required.", problem.GetProperty("detail").GetString());
        AssertBaseline(response);
    }

    [Fact]
    public async Task PlainHttp_PageGet_IsRedirectedToTheIssuersHttpsUrl()
    {
        using var http = PlainFrom(IPAddress.Loopback);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login?returnUrl=%2Fadmin");
        request.Headers.Host = "evil.example.test";

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal($"{fixture.HttpsAddress.GetLeftPart(UriPartial.Authority)}/account/login?returnUrl=%2Fadmin", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PlainHttp_PagePost_IsRefusedWithAPage()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await http.PostAsync("/account/login", new FormUrlEncodedContent([KeyValuePair.Create("Username", "a")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("HTTPS only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertBaseline(response, policy: null);
    }

    [Fact]
    public async Task PlainHttp_Health_IsNotRefused()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await http.GetAsync("/health/live");

        // The health endpoints answer probes over plain HTTP (whatever they answer, it is not the HTTPS refusal).
        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.PermanentRedirect, response.StatusCode);
    }

    [Fact]
    public async Task TrustedProxy_SayingHttps_IsServedAsHttps()
    {
        using var http = PlainFrom(HttpsHostFixture.Proxy);

        using var response = await TokenAsync(http, ("nobody", "wrong"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.7"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task TrustedProxy_SayingHttp_IsRefused()
    {
        using var http = PlainFrom(HttpsHostFixture.Proxy);

        using var response = await TokenAsync(http, ("nobody", "wrong"), ("X-Forwarded-Proto", "http"), ("X-Forwarded-For", "203.0.113.7"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task UntrustedPeer_SayingHttps_IsRefused()
    {
        using var http = PlainFrom(IPAddress.Loopback);

        using var response = await TokenAsync(http, ("nobody", "wrong"), ("X-Forwarded-Proto", "https"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }
}
