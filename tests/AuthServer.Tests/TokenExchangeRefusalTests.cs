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

/// <summary>
/// RFC 8693 token exchange that is refused (RFC 8693 §2.2.2, with the RFC 6749 §5.2 codes): invalid_request,
/// invalid_grant, invalid_scope, invalid_target, unauthorized_client and invalid_client. What succeeds is in
/// <see cref="TokenExchangeTests"/>; the policies and helpers in <see cref="TokenExchangeTestBase"/>.
/// </summary>
public abstract class TokenExchangeRefusalTests(ServerFixture fixture) : TokenExchangeTestBase(fixture)
{
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
}

public sealed class SqliteTokenExchangeRefusalTests(SqliteServerFixture fixture) : TokenExchangeRefusalTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresTokenExchangeRefusalTests(PostgresServerFixture fixture) : TokenExchangeRefusalTests(fixture), IClassFixture<PostgresServerFixture>;
