using System.Net;
using System.Text.Json;
using AuthServer.Protocol.Tokens;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// RFC 8693 token exchange that succeeds: delegation and its actor chains, impersonation, the issued token's format,
/// lifetime, scope and claims, revocation with the subject, the audit event and discovery. The refusals are in
/// <see cref="TokenExchangeRefusalTests"/>; the policies and helpers in <see cref="TokenExchangeTestBase"/>.
/// </summary>
public abstract class TokenExchangeTests(ServerFixture fixture) : TokenExchangeTestBase(fixture)
{
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
}

public sealed class SqliteTokenExchangeTests(SqliteServerFixture fixture) : TokenExchangeTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresTokenExchangeTests(PostgresServerFixture fixture) : TokenExchangeTests(fixture), IClassFixture<PostgresServerFixture>;
