using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Protocol.Tokens;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// RFC 8693 token exchange at /connect/token. A front client (tx-frontend) holds tokens for the Orders API; the
/// orders service exchanges them for the internal Ledger API, and the ledger service exchanges those again for the
/// internal Archive API. The policies, APIs and claims are this class's own, imported before its first request.
/// </summary>
public abstract class TokenExchangeTests(ServerFixture fixture) : IAsyncLifetime
{
    private const string Grant = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    private const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";
    private const string JwtType = "urn:ietf:params:oauth:token-type:jwt";
    private const string RefreshTokenType = "urn:ietf:params:oauth:token-type:refresh_token";

    private const string Ledger = "https://api.example.test/ledger";
    private const string Archive = "https://api.example.test/archive";
    private const string Reports = "https://api.example.test/reports";
    private const string Retired = "https://api.example.test/retired";

    private static readonly (string Id, string Secret) Frontend = ("tx-frontend", Secret('f'));
    private static readonly (string Id, string Secret) FrontendJwt = ("tx-frontend-jwt", Secret('k'));
    private static readonly (string Id, string Secret) OrdersService = ("tx-orders-svc", Secret('s'));
    private static readonly (string Id, string Secret) LedgerService = ("tx-ledger-svc", Secret('l'));
    private static readonly (string Id, string Secret) Impersonator = ("tx-impersonator", Secret('i'));
    private static readonly (string Id, string Secret) TxWeb = ("tx-web", Secret('b'));
    private static readonly (string Id, string Secret) TxGateway = ("tx-gateway", Secret('y'));

    private static readonly string Json = $$"""
    {
      "claimTypes": [ { "name": "department" }, { "name": "clearance", "valueType": "integer" } ],
      "scopes": [
        { "name": "ledger.read", "claims": ["department"] }, { "name": "ledger.write", "claims": ["clearance"] }, { "name": "reports.read" }
      ],
      "apis": [
        { "name": "{{Ledger}}", "scopes": ["ledger.read", "ledger.write"], "signingAlgorithm": "ES256", "internal": true },
        { "name": "{{Archive}}", "scopes": ["ledger.read"], "signingAlgorithm": "ES256", "internal": true },
        { "name": "{{Reports}}", "scopes": ["reports.read"], "signingAlgorithm": "ES256" },
        { "name": "{{Retired}}", "scopes": ["reports.read"], "signingAlgorithm": "ES256", "enabled": false }
      ],
      "clients": [
        {{FrontClient(Frontend, "opaque")}},
        {{FrontClient(FrontendJwt, "jwt")}},
        { "clientId": "{{OrdersService.Id}}", "secret": { "value": "{{OrdersService.Secret}}" }, "grantTypes": ["client_credentials", "{{Grant}}"],
          "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"], "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Ledger}}", "{{Reports}}", "{{Inventory}}", "{{Retired}}"], "subjectAudiences": ["{{Orders}}"],
                             "delegation": true, "impersonation": true, "maxLifetimeSeconds": 300 } },
        { "clientId": "{{LedgerService.Id}}", "secret": { "value": "{{LedgerService.Secret}}" }, "grantTypes": ["client_credentials", "{{Grant}}"],
          "allowedScopes": ["ledger.read"], "defaultScopes": ["ledger.read"], "allowedApis": ["{{Ledger}}"], "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Archive}}"], "subjectAudiences": ["{{Ledger}}"], "delegation": true } },
        { "clientId": "{{Impersonator.Id}}", "secret": { "value": "{{Impersonator.Secret}}" }, "grantTypes": ["{{Grant}}"],
          "accessTokenFormat": "jwt", "accessTokenLifetimeSeconds": 3600,
          "tokenExchange": { "audiences": ["{{Ledger}}", "{{Reports}}"], "subjectAudiences": ["{{Orders}}"], "impersonation": true, "maxLifetimeSeconds": 120 } },
        { "clientId": "{{TxWeb.Id}}", "secret": { "value": "{{TxWeb.Secret}}" }, "grantTypes": ["authorization_code", "refresh_token", "{{Grant}}"],
          "redirectUris": ["{{WebCallback}}"], "allowedScopes": ["openid", "offline_access", "orders.read", "ledger.read"],
          "allowedApis": ["{{Orders}}", "{{Ledger}}"], "accessTokenLifetimeSeconds": 600,
          "tokenExchange": { "audiences": ["{{Ledger}}"], "impersonation": true, "idTokenSubject": true } },
        { "clientId": "{{TxGateway.Id}}", "secret": { "value": "{{TxGateway.Secret}}" }, "introspectionApis": ["{{Orders}}", "{{Ledger}}", "{{Archive}}", "{{Reports}}"] }
      ]
    }
    """;

    private AuthServerHost Server => fixture.Host;

    // Idempotent: the first test's import precedes any request, so no cached catalog or client misses it.
    public async Task InitializeAsync() => await Server.ImportAsync(Json);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Delegation_WithOwnActorToken_ReturnsJwtForInternalApiNamingTheActor()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var actor = await Server.IssueAsync(OrdersService);
        var now = Server.Time.GetUtcNow().ToUnixTimeSeconds();

        var json = await ExchangeOkAsync(OrdersService, subject, actor, ("audience", Ledger));

        Assert.Equal(300, json.GetProperty("expires_in").GetInt32());
        Assert.Equal("ledger.read", json.GetProperty("scope").GetString());
        var token = Token(json);
        var jwt = new JsonWebToken(token);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("ES256", jwt.Alg);
        var validation = await ValidateAsync(token, Ledger);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var payload = Payload(token);
        Assert.Equal(["act", "aud", "client_id", "department", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"], Names(payload));
        Assert.Equal(Frontend.Id, payload.GetProperty("sub").GetString());
        Assert.Equal(Ledger, payload.GetProperty("aud").GetString());
        Assert.Equal(OrdersService.Id, payload.GetProperty("client_id").GetString());
        Assert.Equal(now + 300, payload.GetProperty("exp").GetInt64());
        Assert.Equal("sales", payload.GetProperty("department").GetString());
        Assert.Equal("""{"sub":"tx-orders-svc","client_id":"tx-orders-svc"}""", payload.GetProperty("act").GetRawText());

        var introspected = await Server.IntrospectAsync(token, TxGateway);
        Assert.Equal(
            ["act", "active", "aud", "client_id", "department", "exp", "iat", "iss", "jti", "nbf", "scope", "sub", "token_type"],
            Names(introspected));
        Assert.True(introspected.GetProperty("active").GetBoolean());
        Assert.Equal(Frontend.Id, introspected.GetProperty("sub").GetString());
        Assert.Equal(OrdersService.Id, introspected.GetProperty("client_id").GetString());
        Assert.Equal(jwt.Id, introspected.GetProperty("jti").GetString());
        Assert.Equal(payload.GetProperty("act").GetRawText(), introspected.GetProperty("act").GetRawText());
    }

    [Fact]
    public async Task Delegation_OfUserToken_CarriesTheUsersSubjectAndClaims()
    {
        var (tokens, userId) = await UserTokensAsync("openid orders.read ledger.read");
        var actor = await Server.IssueAsync(OrdersService);

        var json = await ExchangeOkAsync(OrdersService, Token(tokens), actor, ("audience", Ledger));

        var payload = Payload(Token(json));
        Assert.Equal(userId, payload.GetProperty("sub").GetString());
        Assert.Equal("finance", payload.GetProperty("department").GetString());
        Assert.Equal("""{"sub":"tx-orders-svc","client_id":"tx-orders-svc"}""", payload.GetProperty("act").GetRawText());
    }

    [Fact]
    public async Task Delegation_ChainedThroughSecondService_NestsTheFirstActor()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var first = Token(await ExchangeOkAsync(OrdersService, subject, await Server.IssueAsync(OrdersService), ("audience", Ledger)));

        var json = await ExchangeOkAsync(LedgerService, first, await Server.IssueAsync(LedgerService), ("audience", Archive));

        const string chain = """{"sub":"tx-ledger-svc","client_id":"tx-ledger-svc","act":{"sub":"tx-orders-svc","client_id":"tx-orders-svc"}}""";
        var payload = Payload(Token(json));
        Assert.Equal(Frontend.Id, payload.GetProperty("sub").GetString());
        Assert.Equal(Archive, payload.GetProperty("aud").GetString());
        Assert.Equal(LedgerService.Id, payload.GetProperty("client_id").GetString());
        Assert.Equal(chain, payload.GetProperty("act").GetRawText());
        Assert.Equal(chain, (await Server.IntrospectAsync(Token(json), TxGateway)).GetProperty("act").GetRawText());
    }

    [Fact]
    public async Task Impersonation_AllowedByPolicy_ReturnsTokenWithoutAct()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        var json = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger));

        var payload = Payload(Token(json));
        Assert.Equal(["aud", "client_id", "department", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"], Names(payload));
        Assert.Equal(Frontend.Id, payload.GetProperty("sub").GetString());
        Assert.Equal(Impersonator.Id, payload.GetProperty("client_id").GetString());
        Assert.False((await Server.IntrospectAsync(Token(json), TxGateway)).TryGetProperty("act", out _));
    }

    [Fact]
    public async Task Impersonation_NotAllowedByPolicy_ReturnsUnauthorizedClient()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "ledger.read"));

        using var response = await ExchangeAsync(LedgerService, subject, null, ("audience", Archive));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Delegation_NotAllowedByPolicy_ReturnsUnauthorizedClient()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        using var response = await ExchangeAsync(Impersonator, subject, subject, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Format_NonInternalTargetForOpaqueClient_IsAnOpaqueHandle()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read reports.read"));

        var json = await ExchangeOkAsync(OrdersService, subject, await Server.IssueAsync(OrdersService), ("audience", Reports));

        var token = Token(json);
        Assert.Equal(OpaqueHandle.Length, token.Length);
        Assert.DoesNotContain('.', token);
        Assert.Equal("reports.read", json.GetProperty("scope").GetString());
        var introspected = await Server.IntrospectAsync(token, TxGateway);
        Assert.Equal(Reports, introspected.GetProperty("aud").GetString());
        Assert.Equal("""{"sub":"tx-orders-svc","client_id":"tx-orders-svc"}""", introspected.GetProperty("act").GetRawText());
    }

    [Fact]
    public async Task Format_NonInternalTargetForJwtClient_IsAJwt()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read reports.read"));

        var json = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Reports));

        Assert.Equal("at+jwt", new JsonWebToken(Token(json)).Typ);
    }

    [Fact]
    public async Task Lifetime_NeverOutlivesTheSubjectToken()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var subjectExp = (await Server.IntrospectAsync(subject, TxGateway)).GetProperty("exp").GetInt64();
        Server.Time.Advance(TimeSpan.FromSeconds(500));

        var json = await ExchangeOkAsync(OrdersService, subject, await Server.IssueAsync(OrdersService), ("audience", Ledger));

        Assert.Equal(100, json.GetProperty("expires_in").GetInt32());
        Assert.Equal(subjectExp, (await Server.IntrospectAsync(Token(json), TxGateway)).GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Lifetime_IsCappedByThePolicyMaximum()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var now = Server.Time.GetUtcNow().ToUnixTimeSeconds();

        var json = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger));

        Assert.Equal(120, json.GetProperty("expires_in").GetInt32());
        Assert.Equal(now + 120, (await Server.IntrospectAsync(Token(json), TxGateway)).GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Lifetime_SubjectExpiringWithinASecond_ReturnsInvalidGrant()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        Server.Time.Advance(TimeSpan.FromSeconds(599.5));
        try
        {
            using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger));

            await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
        }
        finally
        {
            // Back on a whole second, so other tests' lifetimes come out exact.
            Server.Time.Advance(TimeSpan.FromSeconds(0.5));
        }
    }

    [Fact]
    public async Task Scope_SubsetOfTheSubjects_IsGrantedWithOnlyTheClaimsItReleases()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read ledger.write"));

        var narrowed = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger), ("scope", "ledger.read"));
        var whole = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger));

        Assert.Equal("ledger.read", narrowed.GetProperty("scope").GetString());
        var narrowedPayload = Payload(Token(narrowed));
        Assert.Equal("sales", narrowedPayload.GetProperty("department").GetString());
        Assert.False(narrowedPayload.TryGetProperty("clearance", out _));

        // Without a scope parameter: the subject's scopes the target accepts, with every claim they release.
        Assert.Equal("ledger.read ledger.write", whole.GetProperty("scope").GetString());
        var wholePayload = Payload(Token(whole));
        Assert.Equal("sales", wholePayload.GetProperty("department").GetString());
        Assert.Equal(3, wholePayload.GetProperty("clearance").GetInt32());
    }

    [Fact]
    public async Task Claims_ReleasedOnlyByTheTargetsScopes()
    {
        // ledger.read releases department for the Ledger API; Reports accepts no scope that releases anything.
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read reports.read"));

        var json = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Reports));

        Assert.Equal(["aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"], Names(Payload(Token(json))));
    }

    [Theory]
    [InlineData("orders.read ledger.read", "ledger.write")]
    [InlineData("orders.read ledger.read", "ledger.read ledger.write")]
    [InlineData("orders.read ledger.read", "orders.read")]
    [InlineData("orders.read", null)]
    public async Task Scope_WiderThanTheSubjectOrOutsideTheTarget_ReturnsInvalidScope(string subjectScope, string? requested)
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", subjectScope));

        using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger), ("scope", requested));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_scope");
    }

    public static TheoryData<string[], string> RefusedTargets => new()
    {
        { [Payments], "invalid_target" },                       // a real API, not in the policy
        { ["https://api.example.test/nowhere"], "invalid_target" },
        { [Retired], "invalid_target" },                        // in the policy, but disabled
        { [Ledger, Payments], "invalid_target" },               // one refused target refuses them all
        { [Ledger, Inventory], "invalid_target" },              // ES256 and RS256 cannot share one token
        { [], "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(RefusedTargets))]
    public async Task Audience_OutsidePolicyOrUnknown_IsRefused(string[] audiences, string error)
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read reports.read"));

        using var response = await ExchangeAsync(OrdersService, subject, await Server.IssueAsync(OrdersService),
            [.. audiences.Select(a => ("audience", (string?)a))]);

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task Audience_RepeatedForApisSharingAnAlgorithm_ReturnsOneTokenForAll()
    {
        // RFC 8693 §2.1: audience may be sent more than once.
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read reports.read"));

        var json = await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger), ("audience", Reports));

        Assert.Equal("ledger.read reports.read", json.GetProperty("scope").GetString());
        var payload = Payload(Token(json));
        Assert.Equal([Ledger, Reports], payload.GetProperty("aud").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("sales", payload.GetProperty("department").GetString());
    }

    [Fact]
    public async Task Resource_WorksLikeAudience()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var actor = await Server.IssueAsync(OrdersService);

        var json = await ExchangeOkAsync(OrdersService, subject, actor, ("resource", Ledger));
        using var refused = await ExchangeAsync(OrdersService, subject, actor, ("resource", Payments));

        Assert.Equal(Ledger, Payload(Token(json)).GetProperty("aud").GetString());
        await ProtocolAssert.ErrorAsync(refused, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task SubjectToken_Revoked_ReturnsInvalidGrant()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        using (var revoked = await Server.PostFormAsync("/connect/revoke", [("token", subject)], Frontend))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task SubjectToken_Expired_ReturnsInvalidGrant()
    {
        var subject = await Server.IssueAsync(FrontendJwt, ("scope", "orders.read ledger.read"));
        Server.Time.Advance(TimeSpan.FromSeconds(601));

        using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger), ("subject_token_type", JwtType));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0eC1mcm9udGVuZCJ9.")]
    public async Task SubjectToken_Garbage_ReturnsInvalidGrant(string subject)
    {
        using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task SubjectToken_UnknownOpaqueHandle_ReturnsInvalidGrant()
    {
        using var response = await ExchangeAsync(Impersonator, new string('A', OpaqueHandle.Length), null, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task SubjectToken_JwtSignedWithForeignKey_ReturnsInvalidGrant()
    {
        var genuine = await Server.IssueAsync(FrontendJwt, ("scope", "orders.read ledger.read"));
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(new JsonWebToken(genuine).EncodedPayload));
        string Forge(string kid) => new JsonWebTokenHandler().CreateToken(payload,
            new SigningCredentials(new ECDsaSecurityKey(attackerKey) { KeyId = kid }, "ES256"),
            new Dictionary<string, object> { ["typ"] = "at+jwt" });

        // The genuine token is accepted, so only the signature differs in what is refused.
        await ExchangeOkAsync(Impersonator, genuine, null, ("audience", Ledger), ("subject_token_type", JwtType));
        foreach (var forged in new[] { Forge(new JsonWebToken(genuine).Kid), Forge("attacker") })
        {
            using var response = await ExchangeAsync(Impersonator, forged, null, ("audience", Ledger), ("subject_token_type", JwtType));
            await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
        }
    }

    [Fact]
    public async Task SubjectToken_OfAnotherClientForAnApiOutsideSubjectAudiences_ReturnsInvalidGrant()
    {
        // A Reports token never reaches the orders service legitimately: it implements Orders only.
        var subject = await Server.IssueAsync(Frontend, ("scope", "reports.read"));

        using var response = await ExchangeAsync(OrdersService, subject, await Server.IssueAsync(OrdersService), ("audience", Reports));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task SubjectToken_RefreshToken_IsRefused()
    {
        var (tokens, _) = await UserTokensAsync("openid offline_access orders.read ledger.read");
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        using var asAccessToken = await ExchangeAsync(TxWeb, refresh, null, ("audience", Ledger));
        using var asRefreshToken = await ExchangeAsync(TxWeb, refresh, null, ("audience", Ledger), ("subject_token_type", RefreshTokenType));
        using var unknownType = await ExchangeAsync(TxWeb, refresh, null, ("audience", Ledger), ("subject_token_type", "urn:ietf:params:oauth:token-type:saml2"));

        await ProtocolAssert.ErrorAsync(asAccessToken, HttpStatusCode.BadRequest, "invalid_grant");
        await ProtocolAssert.ErrorAsync(asRefreshToken, HttpStatusCode.BadRequest, "invalid_request");
        await ProtocolAssert.ErrorAsync(unknownType, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task IdTokenSubject_AllowedByPolicy_ExchangesTheClientsOwnIdToken()
    {
        var (tokens, userId) = await UserTokensAsync("openid orders.read");
        var idToken = tokens.GetProperty("id_token").GetString()!;

        var json = await ExchangeOkAsync(TxWeb, idToken, null, ("audience", Ledger), ("subject_token_type", IdTokenType));

        Assert.Equal(300, json.GetProperty("expires_in").GetInt32());
        Assert.Equal("ledger.read", json.GetProperty("scope").GetString());
        var payload = Payload(Token(json));
        Assert.Equal(userId, payload.GetProperty("sub").GetString());
        Assert.Equal(TxWeb.Id, payload.GetProperty("client_id").GetString());
        Assert.Equal("finance", payload.GetProperty("department").GetString());
        Assert.False(payload.TryGetProperty("act", out _));
    }

    [Fact]
    public async Task IdTokenSubject_IssuedToAnotherClientOrPresentedAsAccessToken_ReturnsInvalidGrant()
    {
        var foreign = (await CodeFlow.TokensAsync(Server, "openid orders.read")).GetProperty("id_token").GetString()!;
        var own = (await UserTokensAsync("openid orders.read")).Tokens.GetProperty("id_token").GetString()!;

        using var ofWebApp = await ExchangeAsync(TxWeb, foreign, null, ("audience", Ledger), ("subject_token_type", IdTokenType));
        using var asAccessToken = await ExchangeAsync(TxWeb, own, null, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(ofWebApp, HttpStatusCode.BadRequest, "invalid_grant");
        await ProtocolAssert.ErrorAsync(asAccessToken, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task IdTokenSubject_NotAllowedByPolicy_ReturnsInvalidRequest()
    {
        var idToken = (await UserTokensAsync("openid orders.read")).Tokens.GetProperty("id_token").GetString()!;

        using var response = await ExchangeAsync(OrdersService, idToken, await Server.IssueAsync(OrdersService),
            ("audience", Ledger), ("subject_token_type", IdTokenType));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("actor_token_type")]
    [InlineData("actor_token")]
    public async Task ActorToken_WithoutItsPartner_ReturnsInvalidRequest(string missing)
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        using var response = await ExchangeAsync(OrdersService, subject, await Server.IssueAsync(OrdersService),
            ("audience", Ledger), (missing, null));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task ActorToken_IssuedToAnotherClient_ReturnsInvalidGrant()
    {
        // The frontend's own token would make it the actor: no client can name another as actor.
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        using var response = await ExchangeAsync(OrdersService, subject, subject, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ActorToken_Revoked_ReturnsInvalidGrant()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var actor = await Server.IssueAsync(OrdersService);
        using (var revoked = await Server.PostFormAsync("/connect/revoke", [("token", actor)], OrdersService))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using var response = await ExchangeAsync(OrdersService, subject, actor, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Client_WithoutTheGrantType_ReturnsUnauthorizedClient()
    {
        var subject = await Server.IssueAsync(Opaque);

        using var response = await ExchangeAsync(Opaque, subject, null, ("audience", Orders));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Client_WithWrongSecret_Returns401()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        using var response = await ExchangeAsync((Impersonator.Id, "wrong"), subject, null, ("audience", Ledger));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Theory]
    [InlineData("subject_token", null)]
    [InlineData("subject_token_type", null)]
    [InlineData("requested_token_type", RefreshTokenType)]
    [InlineData("requested_token_type", IdTokenType)]
    public async Task Request_MissingSubjectOrAskingForAnotherTokenType_ReturnsInvalidRequest(string name, string? value)
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        using var response = await ExchangeAsync(Impersonator, subject, null, ("audience", Ledger), (name, value));

        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Request_AskingForAnAccessToken_IsServed()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));

        await ExchangeOkAsync(Impersonator, subject, null, ("audience", Ledger), ("requested_token_type", AccessTokenType));
    }

    [Fact]
    public async Task Exchange_OfUserToken_IsRevokedWithTheUsersRefreshTokenFamily()
    {
        var (tokens, _) = await UserTokensAsync("openid offline_access orders.read ledger.read");
        var exchanged = Token(await ExchangeOkAsync(OrdersService, Token(tokens), await Server.IssueAsync(OrdersService), ("audience", Ledger)));
        Assert.True((await Server.IntrospectAsync(exchanged, TxGateway)).GetProperty("active").GetBoolean());

        using (var revoked = await Server.PostFormAsync("/connect/revoke", [("token", tokens.GetProperty("refresh_token").GetString()!)], TxWeb))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        Assert.Equal("{\"active\":false}", (await Server.IntrospectAsync(exchanged, TxGateway)).GetRawText());
    }

    [Fact]
    public async Task Discovery_ListsTheGrant()
    {
        using var metadata = JsonDocument.Parse(await Server.Http.GetStringAsync("/.well-known/openid-configuration"));

        Assert.Contains(Grant, metadata.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Exchange_WritesAuditEventWithoutAnyToken()
    {
        var subject = await Server.IssueAsync(Frontend, ("scope", "orders.read ledger.read"));
        var actor = await Server.IssueAsync(OrdersService);
        var subjectJti = (await Server.IntrospectAsync(subject, TxGateway)).GetProperty("jti").GetString();

        var token = Token(await ExchangeOkAsync(OrdersService, subject, actor, ("audience", Ledger)));

        // The row is queued before the token is stored, so it is committed by the time the response is out.
        var jti = new JsonWebToken(token).Id;
        var rows = await Database.QueryAsync(Server,
            $"SELECT outcome, subject, target, detail FROM audit_events WHERE client_id = '{OrdersService.Id}' AND action = 'token.exchanged'");
        var row = Assert.Single(rows, r => r[3]!.Contains($" jti={jti} ", StringComparison.Ordinal));
        Assert.Equal(["success", Frontend.Id, Ledger, $"mode=delegation subject_jti={subjectJti} grant={Grant} format=jwt jti={jti} scope=ledger.read"],
            row.AsEnumerable());
        foreach (var value in new[] { subject, actor, token, token.Split('.')[2] })
        {
            Assert.False(await Database.AnyColumnContainsAsync(Server, value));
        }
    }

    private Task<HttpResponseMessage> ExchangeAsync(
        (string Id, string Secret) client, string subjectToken, string? actorToken, params (string Name, string? Value)[] extra)
    {
        var form = new List<(string Name, string? Value)>
        {
            ("grant_type", Grant), ("subject_token", subjectToken), ("subject_token_type", AccessTokenType),
        };
        if (actorToken is not null)
        {
            form.Add(("actor_token", actorToken));
            form.Add(("actor_token_type", AccessTokenType));
        }

        // An extra parameter replaces the defaults of its name; a null value removes it.
        form.RemoveAll(f => extra.Any(e => e.Name == f.Name));
        form.AddRange(extra.Where(e => e.Value is not null));
        return Server.PostFormAsync("/connect/token", form.Select(f => (f.Name, f.Value!)), client);
    }

    /// <summary>RFC 8693 §2.2.1: a successful answer, with issued_token_type and never a refresh token.</summary>
    private async Task<JsonElement> ExchangeOkAsync(
        (string Id, string Secret) client, string subjectToken, string? actorToken, params (string Name, string? Value)[] extra)
    {
        using var response = await ExchangeAsync(client, subjectToken, actorToken, extra);
        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal(["access_token", "expires_in", "issued_token_type", "scope", "token_type"], Names(json));
        Assert.Equal(AccessTokenType, json.GetProperty("issued_token_type").GetString());
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return json;
    }

    /// <summary>A new user with a department, signed in to tx-web through the authorization code flow.</summary>
    private async Task<(JsonElement Tokens, string UserId)> UserTokensAsync(string scope)
    {
        var name = "tx-" + Guid.NewGuid().ToString("N")[..8];
        var user = await Server.CreateUserAsync(name, CodeFlow.Password);
        await Server.ImportAsync($$"""{ "userClaims": [ { "userName": "{{name}}", "claims": { "department": "finance" } } ] }""");
        using var browser = new PageSession(Server);
        using (var login = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", CodeFlow.Password), ("ReturnUrl", "/")))
        {
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        }

        var code = (await CodeFlow.RedirectParametersAsync(browser, CodeFlow.AuthorizeUrl(TxWeb.Id, extra: ("scope", scope))))["code"];
        using var response = await CodeFlow.RedeemAsync(Server, code, TxWeb);
        return (await ProtocolAssert.OkJsonAsync(response), user.Id);
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, string audience)
    {
        var jwks = new JsonWebKeySet(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        var now = Server.Time.GetUtcNow().UtcDateTime;
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Server.Issuer,
            ValidAudience = audience,
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = ["ES256"],
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (nbf, exp, _, _) => nbf <= now && now < exp,
        });
    }

    private static string Token(JsonElement json) => json.GetProperty("access_token").GetString()!;

    private static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement.Clone();

    private static IEnumerable<string> Names(JsonElement json) => json.EnumerateObject().Select(p => p.Name).Order();

    private static string FrontClient((string Id, string Secret) c, string format) => $$"""
        { "clientId": "{{c.Id}}", "secret": { "value": "{{c.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["orders.read", "ledger.read", "ledger.write", "reports.read"], "defaultScopes": ["orders.read"],
          "allowedApis": ["{{Orders}}", "{{Ledger}}", "{{Reports}}"], "accessTokenFormat": "{{format}}", "accessTokenLifetimeSeconds": 600,
          "claims": { "department": "sales", "clearance": 3 } }
        """;

    private static string Secret(char c) => new string(c, 20) + "-secret-0123456789abcdefghij";
}

public sealed class SqliteTokenExchangeTests(SqliteServerFixture fixture) : TokenExchangeTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresTokenExchangeTests(PostgresServerFixture fixture) : TokenExchangeTests(fixture), IClassFixture<PostgresServerFixture>;
