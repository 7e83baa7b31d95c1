using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// The introspection endpoint's JWT answers picked by Accept (the phantom token, RFC 9701 JWT responses) and
/// GET /connect/phantom, the same answer shaped for a gateway's auth_request.
/// </summary>
public abstract class PhantomTokenTests(ServerFixture fixture)
{
    private const string PhantomMediaType = "application/jwt";
    private const string JwtResponseMediaType = "application/token-introspection+jwt";

    // Orders and Payments are both ES256, so one token can be for both and a gateway for one API sees half of it.
    private static readonly (string Id, string Secret) TwoApis = ("phantom-two-apis", new string('t', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) InventoryOnly = ("phantom-inventory", new string('i', 20) + "-secret-0123456789abcdefghij");
    private static readonly (string Id, string Secret) PaymentsGateway = ("phantom-payments-gateway", new string('y', 20) + "-secret-0123456789abcdefghij");

    private AuthServerHost Server => fixture.Host;

    private static string Json => $$"""
    {
      "claimTypes": [ { "name": "tenant" }, { "name": "payment_limit", "valueType": "integer" } ],
      "scopes": [ { "name": "orders.read", "claims": ["tenant"] }, { "name": "payments.charge", "claims": ["payment_limit"] } ],
      "clients": [
        { "clientId": "{{TwoApis.Id}}", "secret": { "value": "{{TwoApis.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["orders.read", "payments.charge"], "defaultScopes": ["orders.read", "payments.charge"],
          "allowedApis": ["{{Orders}}", "{{Payments}}"], "accessTokenLifetimeSeconds": 600,
          "claims": { "tenant": "acme", "payment_limit": 500 } },
        { "clientId": "{{InventoryOnly.Id}}", "secret": { "value": "{{InventoryOnly.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["inventory.read"], "defaultScopes": ["inventory.read"], "allowedApis": ["{{Inventory}}"],
          "accessTokenLifetimeSeconds": 600 },
        { "clientId": "{{PaymentsGateway.Id}}", "secret": { "value": "{{PaymentsGateway.Secret}}" }, "introspectionApis": ["{{Payments}}"] }
      ]
    }
    """;

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

    // A refresh token and an ID token of the same sign-in are for Orders' client, but neither is an access token.
    public static TheoryData<string> Inactive => new() { "revoked", "expired", "garbage", "other-api", "refresh-token", "id-token" };

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

    [Fact]
    public async Task Phantom_ActiveToken_Returns200WithThePhantomHeaderCacheableFor30Seconds()
    {
        var token = await Server.IssueAsync(Opaque);
        var json = await Server.IntrospectAsync(token, OrdersGateway);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Equal("private, max-age=30", CacheControl(response));
        Assert.Empty(response.Headers.WwwAuthenticate);
        var phantom = Assert.Single(response.Headers.GetValues("X-Phantom-Token"));
        await AssertSignedAsync(phantom, "at+jwt", "ES256", Orders, lifetime: true);
        Assert.Equal(json.GetProperty("jti").GetString(), new JsonWebToken(phantom).Id);
        Assert.Equal(json.GetProperty("exp").GetInt64(), Payload(phantom).GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Phantom_TokenExpiringSooner_IsCacheableOnlyUntilItExpires()
    {
        var token = await Server.IssueAsync(Opaque);

        Server.Time.Advance(TimeSpan.FromSeconds(590));
        using var tenLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromSeconds(9));
        using var oneLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromMilliseconds(500));
        using var halfLeft = await PhantomAsync(OrdersGateway, "Bearer " + token);
        Server.Time.Advance(TimeSpan.FromMilliseconds(500));
        using var expired = await PhantomAsync(OrdersGateway, "Bearer " + token);

        Assert.Equal("private, max-age=10", CacheControl(tenLeft));
        Assert.Equal("private, max-age=1", CacheControl(oneLeft));
        Assert.Equal(HttpStatusCode.OK, halfLeft.StatusCode);
        Assert.Equal("no-store", CacheControl(halfLeft));
        AssertRefused(expired, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_WithConfiguredCacheLifetime_UsesIt()
    {
        var settings = Server.Settings with { ExtraArgs = [.. Server.Settings.ExtraArgs, "--AuthServer:Gateway:PhantomCacheLifetime=00:00:05"] };
        await using var server = await AuthServerHost.StartAsync(settings, new AuthServer.Testing.FakeTimeProvider(Server.Time.GetUtcNow()));
        var token = await server.IssueAsync(Opaque);

        using var request = PhantomRequest(OrdersGateway, "Bearer " + token);
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("private, max-age=5", CacheControl(response));
    }

    [Fact]
    public async Task Phantom_WithoutForwardedToken_Returns401WithABareBearerChallenge()
    {
        using var response = await PhantomAsync(OrdersGateway);

        AssertRefused(response, null);
    }

    [Theory]
    [InlineData("Basic eHl6")]
    [InlineData("Bearer")]
    [InlineData("{token}")]
    [InlineData("Token {token}")]
    public async Task Phantom_ForwardedValueNotABearerToken_Returns401InvalidToken(string value)
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(OrdersGateway, value.Replace("{token}", token, StringComparison.Ordinal));

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_TwoForwardedTokenHeaders_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        // Two header lines, which HttpClient would fold into one: written by hand.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /connect/phantom HTTP/1.1\r\nHost: 127.0.0.1:{Server.Port}\r\n"
            + $"Authorization: {AuthServerHost.BasicHeader(OrdersGateway.Id, OrdersGateway.Secret)}\r\n"
            + $"X-Access-Token: Bearer {token}\r\nX-Access-Token: Bearer {token}\r\nConnection: close\r\n\r\n"));
        var lines = (await new StreamReader(stream, Encoding.ASCII).ReadToEndAsync()).Split("\r\n");

        Assert.Equal("HTTP/1.1 401 Unauthorized", lines[0]);
        Assert.Contains("Cache-Control: no-store", lines);
        Assert.Contains(lines, l => l.StartsWith("WWW-Authenticate: Bearer realm=\"authserver\", error=\"invalid_token\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("X-Phantom-Token", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Phantom_TwoTokensFoldedIntoOneHeader_Returns401()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token, "Bearer " + token);

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Theory]
    [MemberData(nameof(Inactive))]
    public async Task Phantom_InactiveToken_Returns401InvalidToken(string why)
    {
        var token = await InactiveTokenAsync(why);

        using var response = await PhantomAsync(OrdersGateway, "Bearer " + token);

        AssertRefused(response, "error=\"invalid_token\"");
    }

    [Fact]
    public async Task Phantom_WithWrongOrNoGatewayCredentials_Returns401InvalidClientWithBasicChallenge()
    {
        var token = await Server.IssueAsync(Opaque);

        using var wrongSecret = await PhantomAsync((OrdersGateway.Id, "wrong"), "Bearer " + token);
        using var anonymous = await PhantomAsync(null, "Bearer " + token);

        await ProtocolAssert.ErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
        await ProtocolAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.False(wrongSecret.Headers.Contains("X-Phantom-Token"));
    }

    [Fact]
    public async Task Phantom_ByClientWithoutIntrospectionPermission_IsRefused()
    {
        var token = await Server.IssueAsync(Opaque);

        using var response = await PhantomAsync(Opaque, "Bearer " + token);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
    }

    [Fact]
    public async Task Phantom_ByPost_Returns405()
    {
        var token = await Server.IssueAsync(Opaque);
        using var request = PhantomRequest(OrdersGateway, "Bearer " + token);
        request.Method = HttpMethod.Post;

        using var response = await Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Discovery_AdvertisesRs256ForIntrospectionResponses(string path)
    {
        using var metadata = JsonDocument.Parse(await Server.Http.GetStringAsync(path));

        Assert.Equal(["RS256"], metadata.RootElement.GetProperty("introspection_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()!));
    }

    /// <summary>This class's clients, claim types and scope releases; the first import waits out the catalog cache.</summary>
    private async Task ImportAsync()
    {
        if ((await Server.ImportAsync(Json)).Changes.Count > 0)
        {
            Server.Time.Advance(TimeSpan.FromSeconds(31));
        }
    }

    private async Task<string> InactiveTokenAsync(string why)
    {
        switch (why)
        {
            case "revoked":
                var revoked = await Server.IssueAsync(Opaque);
                using (var response = await Server.PostFormAsync("/connect/revoke", [("token", revoked)], Opaque))
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                return revoked;
            case "expired":
                var expired = await Server.IssueAsync(Opaque);
                Server.Time.Advance(TimeSpan.FromSeconds(600));
                return expired;
            case "other-api":
                await ImportAsync();
                return await Server.IssueAsync(InventoryOnly);
            case "refresh-token":
                return (await CodeFlow.TokensAsync(Server, "openid offline_access orders.read")).GetProperty("refresh_token").GetString()!;
            case "id-token":
                return (await CodeFlow.TokensAsync(Server, "openid orders.read")).GetProperty("id_token").GetString()!;
            default:
                return "not-a-token";
        }
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

    private static HttpRequestMessage PhantomRequest((string Id, string Secret)? gateway, params string[] forwarded)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom");
        if (gateway is { } g)
        {
            request.Headers.Authorization = AuthServerHost.BasicHeader(g.Id, g.Secret);
        }

        if (forwarded.Length > 0)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("X-Access-Token", forwarded));
        }

        return request;
    }

    private async Task<HttpResponseMessage> PhantomAsync((string Id, string Secret)? gateway, params string[] forwarded)
    {
        using var request = PhantomRequest(gateway, forwarded);
        return await Server.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> UserInfoAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", token);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>RFC 6750 §3 refusal of /connect/phantom: 401, the challenge, never cacheable, no body, no phantom.</summary>
    private static void AssertRefused(HttpResponseMessage response, string? error)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        if (error is null)
        {
            Assert.Equal("Bearer realm=\"authserver\"", challenge);
        }
        else
        {
            Assert.StartsWith($"Bearer realm=\"authserver\", {error}, error_description=", challenge, StringComparison.Ordinal);
        }

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.False(response.Headers.Contains("X-Phantom-Token"));
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

    /// <summary>The Cache-Control header as sent (the typed header would reorder its directives).</summary>
    private static string CacheControl(HttpResponseMessage response) =>
        Assert.Single(response.Headers.NonValidated["Cache-Control"]);

    private static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(new JsonWebToken(jwt).EncodedPayload)).RootElement.Clone();

    /// <summary>typ, alg, a kid the JWKS publishes for that alg, and a signature, issuer and audience that validate.</summary>
    private async Task AssertSignedAsync(string jwt, string type, string algorithm, string audience, bool lifetime)
    {
        var token = new JsonWebToken(jwt);
        Assert.Equal(type, token.Typ);
        Assert.Equal(algorithm, token.Alg);
        var jwks = new JsonWebKeySet(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        Assert.Contains(jwks.Keys, k => k.Kid == token.Kid && k.Alg == algorithm);
        var result = await ValidateAsync(jwt, type, algorithm, audience, lifetime);
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    private async Task<TokenValidationResult> ValidateAsync(string jwt, string type, string algorithm, string audience, bool lifetime)
    {
        var jwks = new JsonWebKeySet(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        var now = Server.Time.GetUtcNow().UtcDateTime;
        return await new JsonWebTokenHandler().ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = Server.Issuer,
            ValidAudience = audience,
            ValidTypes = [type],
            ValidAlgorithms = [algorithm],
            IssuerSigningKeys = jwks.GetSigningKeys(),
            RequireExpirationTime = lifetime,
            ValidateLifetime = lifetime,
            LifetimeValidator = lifetime ? (nbf, exp, _, _) => nbf <= now && now < exp : null,
        });
    }
}

public sealed class SqlitePhantomTokenTests(SqliteServerFixture fixture) : PhantomTokenTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresPhantomTokenTests(PostgresServerFixture fixture) : PhantomTokenTests(fixture), IClassFixture<PostgresServerFixture>;
