using System.Net;
using System.Text;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Http;

/// <summary>Header, body and form limits (AuthServer:Http): each answered with a 4xx, never a 500.</summary>
public sealed class RequestLimitsTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task HeadersAboveTheTotalSize_Get431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Add("X-Padding", new string('a', 17 * 1024));

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task MoreHeadersThanAllowed_Get431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        for (var i = 0; i < 70; i++)
        {
            request.Headers.Add($"X-Header-{i}", "x");
        }

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task HeadersWithinTheLimits_AreServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Add("X-Padding", new string('a', 8 * 1024));

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenBodyAboveTheLimit_IsAnInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("scope", new string('a', 70 * 1024))], Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenFormWithMoreValuesThanAllowed_IsAnInvalidRequest()
    {
        var form = Enumerable.Range(0, 101).Select(i => ($"p{i}", "x")).Prepend(("grant_type", "client_credentials"));

        using var response = await Server.PostFormAsync("/connect/token", form, Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenFormWithAnOverlongName_IsAnInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), (new string('k', 300), "x")], Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenFormWithAnOverlongValue_IsAnInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("scope", new string('a', 40 * 1024))], Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenFormWithinTheLimits_IsServed()
    {
        var form = Enumerable.Range(0, 90).Select(i => ($"p{i}", "x")).Prepend(("grant_type", "client_credentials"));

        using var response = await Server.PostFormAsync("/connect/token", form, Opaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PageBodyAboveTheLimit_IsA4xxPage()
    {
        using var response = await Server.Http.PostAsync("/account/login", new FormUrlEncodedContent(
            [KeyValuePair.Create("Username", new string('a', 70 * 1024)), KeyValuePair.Create("Password", "x")]));

        Assert.True((int)response.StatusCode is 400 or 413, $"got {(int)response.StatusCode}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AdminApiBodyAboveTheLimit_IsA4xxProblem()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.PostAsync("/admin/api/v1/clients",
            new StringContent($"{{\"clientId\":\"{new string('a', 70 * 1024)}\"}}", Encoding.UTF8, "application/json"));

        Assert.True((int)response.StatusCode is 400 or 413, $"got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
