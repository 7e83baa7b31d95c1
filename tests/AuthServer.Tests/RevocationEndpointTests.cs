using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class RevocationEndpointTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Revoke_OwnOpaqueToken_MakesItInactive()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token), ("token_type_hint", "access_token")], Opaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(token, Gateway)).GetRawText());
        Assert.Contains("token.revoked", await Database.AuditActionsAsync(Server, Opaque.Id));
    }

    [Fact]
    public async Task Revoke_OwnJwt_MakesItInactiveByJti()
    {
        var token = await Server.IssueAsync(Jwt);

        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token)], Jwt);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(token, Gateway)).GetRawText());
    }

    [Theory]
    [InlineData("unknown-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a.b.c")]
    public async Task Revoke_UnknownToken_Returns200(string token)
    {
        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token)], Opaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Revoke_AnotherClientsToken_Returns200AndTheTokenStaysActive()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token)], OtherOpaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_WithoutClientAuthentication_Returns401AndTheTokenStaysActive()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token)]);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_ByPublicClient_CannotTouchAConfidentialClientsToken()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/revoke", [("token", token), ("client_id", PublicApp)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_WithoutToken_ReturnsInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/revoke", [("token_type_hint", "access_token")], Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Revoke_WithJsonBody_ReturnsInvalidRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/revoke")
        {
            Content = new StringContent("{\"token\":\"x\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = AuthServerHost.BasicHeader(Opaque.Id, Opaque.Secret);

        using var response = await Server.Http.SendAsync(request);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }
}

public sealed class SqliteRevocationEndpointTests(SqliteServerFixture fixture) : RevocationEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRevocationEndpointTests(PostgresServerFixture fixture) : RevocationEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
