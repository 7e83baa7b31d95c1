using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Http.HttpTestSupport;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Http;

/// <summary>Every kind of response carries nosniff, no-referrer and frame-ancestors 'none', whoever writes it.</summary>
public sealed class SecurityHeadersTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    private const string PagePolicyStart = "default-src 'self'; script-src 'self'";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task TokenSuccess_CarriesTheJsonPolicy()
    {
        using var response = await TokenAsync(Server.Http, Opaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBaseline(response);
    }

    [Fact]
    public async Task TokenError_CarriesTheJsonPolicy()
    {
        using var response = await TokenAsync(Server.Http, (Opaque.Id, "wrong-secret"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        AssertBaseline(response);
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/jwks.json")]
    public async Task Metadata_CarriesTheJsonPolicy(string path)
    {
        using var response = await Server.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBaseline(response);
    }

    [Fact]
    public async Task ProtocolNotFound_CarriesTheJsonPolicy()
    {
        using var response = await Server.Http.GetAsync("/connect/no-such-endpoint");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertBaseline(response);
    }

    [Fact]
    public async Task PageNotFound_KeepsThePagesStrictPolicy()
    {
        using var response = await Server.Http.GetAsync("/no-such-page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertBaseline(response, policy: null);
        Assert.StartsWith(PagePolicyStart, Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_KeepsThePagesStrictPolicy()
    {
        using var response = await Server.Http.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBaseline(response, policy: null);
        Assert.StartsWith(PagePolicyStart, Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
    }

    [Fact]
    public async Task Asset_CarriesTheHeaders()
    {
        using var response = await Server.Http.GetAsync("/assets/site.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBaseline(response, policy: null);
    }

    [Fact]
    public async Task AdminApiProblem_CarriesTheJsonPolicy()
    {
        using var response = await Server.Http.GetAsync("/admin/api/v1/clients");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        AssertBaseline(response);
    }

    [Fact]
    public async Task MethodNotAllowed_CarriesTheJsonPolicy()
    {
        using var response = await Server.Http.GetAsync("/connect/token");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        AssertBaseline(response);
    }

    [Fact]
    public async Task PlainHttp_WhenHttpsIsNotRequired_HasNoHsts()
    {
        using var response = await Server.Http.GetAsync("/.well-known/openid-configuration");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }
}
