using System.Net;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// The introspection endpoint's JWT answers picked by Accept: the phantom token (application/jwt), RFC 9701 JWT
/// responses, and the negotiation between them and JSON. GET /connect/phantom is in <see cref="PhantomTokenEndpointTests"/>.
/// </summary>
public abstract class PhantomTokenTests(ServerFixture fixture) : PhantomTokenTestBase(fixture)
{
    private const string PhantomMediaType = "application/jwt";
    private const string JwtResponseMediaType = "application/token-introspection+jwt";

    [Fact]
    public async Task Introspect_AcceptJwt_ActiveOpaqueToken_ReturnsPhantomForTheCallersApisOnly()
    {
        await ImportAsync();
        var token = await Server.IssueAsync(TwoApis, ("scope", "orders.read payments.charge"));
        var json = await Server.IntrospectAsync(token, OrdersGateway);

        using var response = await IntrospectAsync(token, OrdersGateway, PhantomMediaType);

        var phantom = await JwtBodyAsync(response, PhantomMediaType);
        await AssertSignedAsync(phantom, "at+jwt", "ES256", Orders, lifetime: true);
        var payload = Payload(phantom);
        Assert.Equal(["aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub", "tenant"], payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(Server.Issuer, payload.GetProperty("iss").GetString());
        Assert.Equal(TwoApis.Id, payload.GetProperty("sub").GetString());
        Assert.Equal(TwoApis.Id, payload.GetProperty("client_id").GetString());
        Assert.Equal("orders.read payments.charge", payload.GetProperty("scope").GetString());
        Assert.Equal(json.GetProperty("jti").GetString(), payload.GetProperty("jti").GetString());
        Assert.Equal(json.GetProperty("exp").GetInt64(), payload.GetProperty("exp").GetInt64());
        Assert.Equal(json.GetProperty("iat").GetInt64(), payload.GetProperty("iat").GetInt64());

        // The token is for Orders and Payments; the caller fronts Orders only, and so does the phantom.
        Assert.Equal(JsonValueKind.Array, json.GetProperty("aud").ValueKind);
        Assert.Equal(Orders, payload.GetProperty("aud").GetString());
        Assert.False((await ValidateAsync(phantom, "at+jwt", "ES256", Payments, lifetime: true)).IsValid);
    }

    [Fact]
    public async Task Introspect_AcceptJwt_TokenForRs256Api_ReturnsRs256Phantom()
    {
        await ImportAsync();
        var token = await Server.IssueAsync(InventoryOnly);

        using var response = await IntrospectAsync(token, Gateway, PhantomMediaType);

        var phantom = await JwtBodyAsync(response, PhantomMediaType);
        await AssertSignedAsync(phantom, "at+jwt", "RS256", Inventory, lifetime: true);
        Assert.Equal(Inventory, Payload(phantom).GetProperty("aud").GetString());
    }

    [Fact]
    public async Task Introspect_StoreClaims_AreThoseReleasedForTheCallersApis_InJsonAndPhantom()
    {
        await ImportAsync();
        var token = await Server.IssueAsync(TwoApis, ("scope", "orders.read payments.charge"));

        var ordersJson = await Server.IntrospectAsync(token, OrdersGateway);
        var paymentsJson = await Server.IntrospectAsync(token, PaymentsGateway);
        using var ordersResponse = await IntrospectAsync(token, OrdersGateway, PhantomMediaType);
        using var paymentsResponse = await IntrospectAsync(token, PaymentsGateway, PhantomMediaType);
        var ordersPhantom = Payload(await JwtBodyAsync(ordersResponse, PhantomMediaType));
        var paymentsPhantom = Payload(await JwtBodyAsync(paymentsResponse, PhantomMediaType));

        foreach (var orders in new[] { ordersJson, ordersPhantom })
        {
            Assert.Equal("acme", orders.GetProperty("tenant").GetString());
            Assert.False(orders.TryGetProperty("payment_limit", out _));
        }

        foreach (var payments in new[] { paymentsJson, paymentsPhantom })
        {
            Assert.Equal(500, payments.GetProperty("payment_limit").GetInt64());
            Assert.False(payments.TryGetProperty("tenant", out _));
        }

        Assert.Equal(Payments, paymentsPhantom.GetProperty("aud").GetString());
    }

    [Theory]
    [MemberData(nameof(Inactive))]
    public async Task Introspect_AcceptJwt_InactiveToken_Returns204WithoutBody(string why)
    {
        var token = await InactiveTokenAsync(why);

        using var response = await IntrospectAsync(token, OrdersGateway, PhantomMediaType);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(response.Content.Headers.ContentType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Introspect_AcceptJwtResponse_ActiveToken_WrapsTheJsonAnswerInASignedJwt()
    {
        var token = await Server.IssueAsync(Opaque, ("scope", "orders.read orders.write"));
        var json = await Server.IntrospectAsync(token, Gateway);

        using var response = await IntrospectAsync(token, Gateway, JwtResponseMediaType);

        var jwt = await JwtBodyAsync(response, JwtResponseMediaType);
        await AssertSignedAsync(jwt, "token-introspection+jwt", "RS256", Gateway.Id, lifetime: false);
        var payload = Payload(jwt);

        // RFC 9701 §5: the token's own claims (sub, exp, scope, client_id) only inside token_introspection.
        Assert.Equal(["aud", "iat", "iss", "token_introspection"], payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(Server.Issuer, payload.GetProperty("iss").GetString());
        Assert.Equal(Gateway.Id, payload.GetProperty("aud").GetString());
        Assert.Equal(Server.Time.GetUtcNow().ToUnixTimeSeconds(), payload.GetProperty("iat").GetInt64());
        Assert.True(JsonElement.DeepEquals(json, payload.GetProperty("token_introspection")),
            $"{json.GetRawText()} != {payload.GetProperty("token_introspection").GetRawText()}");
    }

    [Theory]
    [MemberData(nameof(Inactive))]
    public async Task Introspect_AcceptJwtResponse_InactiveToken_SignsActiveFalseOnly(string why)
    {
        var token = await InactiveTokenAsync(why);

        using var response = await IntrospectAsync(token, OrdersGateway, JwtResponseMediaType);

        var jwt = await JwtBodyAsync(response, JwtResponseMediaType);
        await AssertSignedAsync(jwt, "token-introspection+jwt", "RS256", OrdersGateway.Id, lifetime: false);
        var payload = Payload(jwt);
        Assert.Equal(["aud", "iat", "iss", "token_introspection"], payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("{\"active\":false}", payload.GetProperty("token_introspection").GetRawText());
    }

    [Theory]
    [InlineData(null, "json")]
    [InlineData("application/json", "json")]
    [InlineData("*/*", "json")]
    [InlineData("application/*", "json")]
    [InlineData("text/html", "json")]
    [InlineData("application/jwt;q=0.5, application/json", "json")]
    [InlineData("application/jwt;q=0", "json")]
    [InlineData("application/jwt;q=0, application/token-introspection+jwt;q=0", "json")]
    [InlineData("application/json;q=0.1, application/token-introspection+jwt", JwtResponseMediaType)]
    [InlineData("application/token-introspection+jwt;q=0, application/jwt;q=0.3", PhantomMediaType)]
    [InlineData("APPLICATION/JWT", PhantomMediaType)]
    [InlineData("application/json;q=0.9, application/jwt", PhantomMediaType)]
    public async Task Introspect_AcceptHeader_PicksTheMostPreferredShape(string? accept, string expected)
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await IntrospectAsync(token, Gateway, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected == "json" ? "application/json" : expected, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        if (expected == "json")
        {
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("active").GetBoolean());
        }
        else
        {
            Assert.Equal(expected == PhantomMediaType ? "at+jwt" : "token-introspection+jwt", new JsonWebToken(body).Typ);
        }
    }

    [Fact]
    public async Task JwtAnswers_AreNotAcceptedAsAccessOrIdTokens()
    {
        var tokens = await CodeFlow.TokensAsync(Server, "openid orders.read");
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        using var phantomResponse = await IntrospectAsync(accessToken, Gateway, PhantomMediaType);
        using var jwtResponse = await IntrospectAsync(accessToken, Gateway, JwtResponseMediaType);
        var phantom = await JwtBodyAsync(phantomResponse, PhantomMediaType);
        var jwtAnswer = await JwtBodyAsync(jwtResponse, JwtResponseMediaType);

        using var userInfo = await UserInfoAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        foreach (var jwt in new[] { jwtAnswer, phantom })
        {
            // The phantom is for the API behind the gateway; it never stands for the opaque token at this server.
            using var asAccessToken = await UserInfoAsync(jwt);
            Assert.Equal(HttpStatusCode.Unauthorized, asAccessToken.StatusCode);
            Assert.Contains("error=\"invalid_token\"", asAccessToken.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(jwt, Gateway)).GetRawText());

            using var asIdTokenHint = await Server.Http.GetAsync("/connect/endsession?id_token_hint=" + Uri.EscapeDataString(jwt));
            Assert.Equal(HttpStatusCode.BadRequest, asIdTokenHint.StatusCode);
        }
    }

    [Theory]
    [InlineData(PhantomMediaType)]
    [InlineData(JwtResponseMediaType)]
    public async Task Introspect_AcceptJwt_UnauthenticatedOrNotAllowedCaller_GetsAJsonError(string accept)
    {
        var token = await Server.IssueAsync(Opaque);

        using var anonymous = await IntrospectAsync(token, null, accept);
        using var wrongSecret = await IntrospectAsync(token, (Gateway.Id, "wrong"), accept);
        using var publicClient = await IntrospectAsync(token, null, accept, ("client_id", PublicApp));
        using var notAllowed = await IntrospectAsync(token, Opaque, accept);

        await ProtocolAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "invalid_client");
        await ProtocolAssert.ErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
        await ProtocolAssert.ErrorAsync(publicClient, HttpStatusCode.Unauthorized, "invalid_client");
        await ProtocolAssert.ErrorAsync(notAllowed, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Discovery_AdvertisesRs256ForIntrospectionResponses(string path)
    {
        using var metadata = JsonDocument.Parse(await Server.Http.GetStringAsync(path));

        Assert.Equal(["RS256"], metadata.RootElement.GetProperty("introspection_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()!));
    }

    private async Task<HttpResponseMessage> IntrospectAsync(
        string token, (string Id, string Secret)? caller, string? accept, params (string Name, string Value)[] extra)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("token", token), .. extra.Select(p => KeyValuePair.Create(p.Name, p.Value))]),
        };
        if (caller is { } c)
        {
            request.Headers.Authorization = AuthServerHost.BasicHeader(c.Id, c.Secret);
        }

        if (accept is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Accept", accept));
        }

        return await Server.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> UserInfoAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", token);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>A 200 JWT answer: its media type, never cached, sent whole.</summary>
    private static async Task<string> JwtBodyAsync(HttpResponseMessage response, string mediaType)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(Encoding.ASCII.GetByteCount(body), response.Content.Headers.ContentLength);
        return body;
    }
}

public sealed class SqlitePhantomTokenTests(SqliteServerFixture fixture) : PhantomTokenTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresPhantomTokenTests(PostgresServerFixture fixture) : PhantomTokenTests(fixture), IClassFixture<PostgresServerFixture>;
