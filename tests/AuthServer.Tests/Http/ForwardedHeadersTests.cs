using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Http.HttpTestSupport;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Http;

/// <summary>A host that trusts 127.0.0.1 (where the tests connect from) as its reverse proxy.</summary>
public sealed class TrustedLoopbackProxyFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => ["--AuthServer:Http:TrustedProxies:0=127.0.0.1"];
}

/// <summary>X-Forwarded-For is believed from a trusted proxy only; the audit log's source is then the real client.</summary>
public sealed class UntrustedForwardedHeadersTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task SpoofedForwardedFor_FromAPeerNotTrusted_DoesNotChangeTheAuditSource()
    {
        using var response = await TokenAsync(fixture.Host.Http, Opaque, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", await ForwardedHeadersTests.LastIssueSourceAsync(fixture.Host));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }
}

public sealed class ForwardedHeadersTests(TrustedLoopbackProxyFixture fixture) : IClassFixture<TrustedLoopbackProxyFixture>
{
    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_IsTheAuditSource()
    {
        using var response = await TokenAsync(fixture.Host.Http, Opaque, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("203.0.113.7", await LastIssueSourceAsync(fixture.Host));
    }

    [Fact]
    public async Task ForwardedFor_WithASpoofedEntryBeforeTheProxysOwn_TakesOnlyTheEntryTheProxyAdded()
    {
        // The client sent "X-Forwarded-For: 198.51.100.1"; the proxy appended the address it saw. ForwardLimit 1.
        using var response = await TokenAsync(fixture.Host.Http, Opaque, ("X-Forwarded-For", "198.51.100.1, 203.0.113.8"), ("X-Forwarded-Proto", "https"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("203.0.113.8", await LastIssueSourceAsync(fixture.Host));
    }

    [Fact]
    public async Task RemoteClientThroughTheProxy_OverPlainHttp_IsRefusedWhenHttpsIsNotRequired()
    {
        // RequireHttps=false serves plain HTTP to this machine only; the real client (after the proxy) is elsewhere.
        using var response = await TokenAsync(fixture.Host.Http, Opaque, ("X-Forwarded-For", "203.0.113.7"));

        var error = await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal("HTTPS is required.", error.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task LoopbackClientThroughTheProxy_OverPlainHttp_IsServed()
    {
        using var response = await TokenAsync(fixture.Host.Http, Opaque, ("X-Forwarded-For", "127.0.0.9"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.9", await LastIssueSourceAsync(fixture.Host));
    }

    [Fact]
    public async Task RemoteClientThroughTheProxy_PagePost_IsRefusedWithAPage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("Username", "a")]),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await fixture.Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    internal static async Task<string?> LastIssueSourceAsync(AuthServerHost host)
    {
        await host.FlushAuditAsync();
        var rows = await Database.QueryAsync(host,
            $"SELECT source FROM audit_events WHERE client_id = '{Opaque.Id}' AND action = 'token.issued' ORDER BY sequence DESC");
        return rows[0][0];
    }
}
