using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AuthServer.Protocol.Tokens;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class IntrospectionEndpointTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Introspect_ActiveOpaqueToken_ReturnsEveryField()
    {
        var token = await Server.IssueAsync(Opaque, ("scope", "orders.read orders.write"));
        var now = Server.Time.GetUtcNow().ToUnixTimeSeconds();

        var json = await Server.IntrospectAsync(token, Gateway);

        Assert.Equal(
            ["active", "aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub", "token_type"],
            json.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(json.GetProperty("active").GetBoolean());
        Assert.Equal("orders.read orders.write", json.GetProperty("scope").GetString());
        Assert.Equal(Opaque.Id, json.GetProperty("client_id").GetString());
        Assert.Equal(Opaque.Id, json.GetProperty("sub").GetString());
        Assert.Equal(Orders, json.GetProperty("aud").GetString());
        Assert.Equal(Server.Issuer, json.GetProperty("iss").GetString());
        Assert.Equal(now + 600, json.GetProperty("exp").GetInt64());
        Assert.Equal(now, json.GetProperty("iat").GetInt64());
        Assert.Equal(now, json.GetProperty("nbf").GetInt64());
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
    }

    [Fact]
    public async Task Introspect_ActiveJwt_ReturnsActiveWithItsJti()
    {
        var token = await Server.IssueAsync(Jwt);

        var json = await Server.IntrospectAsync(token, Gateway);

        Assert.True(json.GetProperty("active").GetBoolean());
        Assert.Equal(new JsonWebToken(token).Id, json.GetProperty("jti").GetString());
    }

    public static TheoryData<string> Garbage => new()
    {
        "not-a-token",
        new string('A', OpaqueHandle.Length),
        "a.b.c",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        new string('x', 5000),
        "\u00e9\u00e8\u00ea",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Introspect_UnknownOrMalformedToken_ReturnsExactlyActiveFalse(string token)
    {
        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token)], Gateway);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"active\":false}", await response.Content.ReadAsStringAsync());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Introspect_JwtWithTamperedPayload_IsInactive()
    {
        var parts = (await Server.IssueAsync(Jwt)).Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("orders.read", "orders.write", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        await AssertInactiveAsync(tampered);
    }

    [Fact]
    public async Task Introspect_JwtSignedWithAnotherKeyUnderOurKid_IsInactive()
    {
        var genuine = new JsonWebToken(await Server.IssueAsync(Jwt));
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new JsonWebTokenHandler().CreateToken(
            Encoding.UTF8.GetString(Base64Url.DecodeFromChars(genuine.EncodedPayload)),
            new SigningCredentials(new ECDsaSecurityKey(attackerKey) { KeyId = genuine.Kid }, "ES256"),
            new Dictionary<string, object> { ["typ"] = "at+jwt" });

        await AssertInactiveAsync(forged);
    }

    [Fact]
    public async Task Introspect_JwtWithAlgNone_IsInactive()
    {
        var genuine = new JsonWebToken(await Server.IssueAsync(Jwt));
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"none\",\"kid\":\"{genuine.Kid}\",\"typ\":\"at+jwt\"}}"));

        await AssertInactiveAsync($"{header}.{genuine.EncodedPayload}.");
    }

    [Fact]
    public async Task Introspect_JwtSignedWithHmacOverThePublicKey_IsInactive()
    {
        var genuine = new JsonWebToken(await Server.IssueAsync(Jwt, ("resource", Inventory), ("scope", "inventory.read")));
        var jwks = await Server.Http.GetStringAsync("/.well-known/jwks.json");
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"HS256\",\"kid\":\"{genuine.Kid}\",\"typ\":\"at+jwt\"}}"));
        var input = $"{header}.{genuine.EncodedPayload}";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwks), Encoding.ASCII.GetBytes(input));

        await AssertInactiveAsync($"{input}.{Base64Url.EncodeToString(mac)}");
    }

    [Fact]
    public async Task Introspect_TokenForAnApiTheCallerDoesNotCover_IsInactive()
    {
        var token = await Server.IssueAsync(Jwt, ("resource", Inventory), ("scope", "inventory.read"));

        Assert.True((await Server.IntrospectAsync(token, Gateway)).GetProperty("active").GetBoolean());
        Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(token, OrdersGateway)).GetRawText());
    }

    [Fact]
    public async Task Introspect_WithoutClientAuthentication_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token)]);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspect_WithWrongSecret_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token)], (Gateway.Id, "wrong"));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspect_ByPublicClient_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token), ("client_id", PublicApp)]);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspect_ByClientWithoutIntrospectionPermission_IsRefused()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token)], Opaque);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Introspect_WithoutToken_ReturnsInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/introspect", [("token_type_hint", "access_token")], Gateway);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Introspect_WithMisleadingHint_StillFindsTheToken()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await Server.PostFormAsync("/connect/introspect", [("token", token), ("token_type_hint", "refresh_token")], Gateway);

        Assert.True((await ProtocolAssert.OkJsonAsync(response)).GetProperty("active").GetBoolean());
    }

    private async Task AssertInactiveAsync(string token) =>
        Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(token, Gateway)).GetRawText());
}

public sealed class SqliteIntrospectionEndpointTests(SqliteServerFixture fixture) : IntrospectionEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresIntrospectionEndpointTests(PostgresServerFixture fixture) : IntrospectionEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
