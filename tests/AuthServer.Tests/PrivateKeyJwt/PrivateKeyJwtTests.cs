using System.Net;
using System.Security.Cryptography;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.PrivateKeyJwt.ClientAssertions;

namespace AuthServer.Tests.PrivateKeyJwt;

/// <summary>
/// private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9) over real HTTP: it works at the token, introspection and
/// revocation endpoints with RS256, PS256 and ES256; the assertion must name the client it authenticates; and it is
/// the request's only credential. The assertion's own rules are in <see cref="AssertionRulesTests"/>.
/// </summary>
public abstract class PrivateKeyJwtTests(ServerFixture fixture) : PrivateKeyJwtTestBase(fixture)
{
    [Fact]
    public async Task Token_Rs256Assertion_IssuesAToken()
    {
        using var response = await TokenAsync(SignRs256(Claims(Server)));
        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.Equal("orders.read", json.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_Es256Assertion_IssuesAToken()
    {
        using var response = await TokenAsync(SignEs256(Claims(Server)));
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Fact]
    public async Task Token_Ps256Assertion_IssuesAToken()
    {
        using var response = await TokenAsync(SignPs256(Claims(Server)));
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Fact]
    public async Task Token_AssertionWithoutKid_IsVerifiedWithTheKeyOfItsAlgorithm()
    {
        using var response = await TokenAsync(SignEs256(Claims(Server), kid: null));
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Theory]
    [InlineData("Rs256")]
    [InlineData("Es256")]
    public async Task Introspect_WithAssertion_AnswersForTheCaller(string alg)
    {
        var token = await Server.IssueAsync(TestClients.Opaque);
        var claims = Claims(Server);
        var assertion = alg == "Rs256" ? SignRs256(claims) : SignEs256(claims);

        using var response = await Server.PostFormAsync("/connect/introspect", Form(assertion, ("token", token)));

        var json = await ProtocolAssert.OkJsonAsync(response);
        Assert.True(json.GetProperty("active").GetBoolean());
    }

    [Theory]
    [InlineData("Rs256")]
    [InlineData("Es256")]
    public async Task Revoke_WithAssertion_RevokesTheClientsOwnToken(string alg)
    {
        using var issued = await TokenAsync(SignEs256(Claims(Server)));
        var token = (await ProtocolAssert.OkJsonAsync(issued)).GetProperty("access_token").GetString()!;
        var claims = Claims(Server);
        var assertion = alg == "Rs256" ? SignRs256(claims) : SignEs256(claims);

        using var response = await Server.PostFormAsync("/connect/revoke", Form(assertion, ("token", token)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await Server.IntrospectAsync(token, TestClients.Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task UsedJti_IsKeptUntilTheAssertionExpires_ThenPruned()
    {
        var claims = Claims(Server);
        using (var response = await TokenAsync(SignRs256(claims)))
        {
            await ProtocolAssert.OkJsonAsync(response);
        }

        var store = Server.Service<AuthServer.Data.Stores.ClientAssertionReplayStore>();
        var sql = $"SELECT expires_at FROM client_assertion_jtis WHERE client_id = '{Service}' AND jti = '{claims["jti"]}'";
        await store.PruneAsync(Server.Time.GetUtcNow(), 1000, CancellationToken.None);
        Assert.Equal(((long)claims["exp"]! + 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assert.Single(await Database.QueryAsync(Server, sql))[0]);

        Server.Time.Advance(TimeSpan.FromSeconds(60 + 31));
        Assert.True(await store.PruneAsync(Server.Time.GetUtcNow(), 1000, CancellationToken.None) >= 1);
        Assert.Empty(await Database.QueryAsync(Server, sql));
    }

    [Fact]
    public async Task Token_WithMatchingClientIdInTheBody_IssuesAToken()
    {
        using var response = await TokenAsync(SignRs256(Claims(Server)), ("client_id", Service));
        await ProtocolAssert.OkJsonAsync(response);
    }

    // --- who: iss, sub, client_id ---

    [Fact]
    public async Task Token_IssAndSubNameAnotherKeyedClient_Is401()
    {
        await AssertRefusedAsync("no registered key has kid 'rsa-1'", SignRs256(Claims(Server, OtherService)));
    }

    [Fact]
    public async Task Token_SubDiffersFromIss_Is401()
    {
        var claims = Claims(Server);
        claims["sub"] = OtherService;
        await AssertRefusedAsync("iss and sub differ", SignRs256(claims));
    }

    [Fact]
    public async Task Token_ClientIdInTheBodyDiffers_Is401()
    {
        await AssertRefusedAsync("client_id in the body", SignRs256(Claims(Server)), ("client_id", OtherService));
    }

    [Fact]
    public async Task Token_AssertionForAClientWithoutKeys_Is401()
    {
        await AssertRefusedAsync("no registered keys", SignRs256(Claims(Server, TestClients.Opaque.Id)));
    }

    [Fact]
    public async Task Token_AssertionForADisabledClient_Is401()
    {
        await AssertRefusedAsync("disabled", SignRs256(Claims(Server, DisabledService)));
    }

    [Fact]
    public async Task Token_AssertionForAnUnknownClient_Is401()
    {
        await AssertRefusedAsync("unknown client", SignRs256(Claims(Server, "no-such-client")));
    }

    [Fact]
    public async Task Token_SecretForAClientRegisteredOnlyWithKeys_Is401()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("client_id", Service), ("client_secret", new string('s', 48))]);
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    // --- one method per request (RFC 6749 §2.3) and the assertion type (RFC 7521 §4.2) ---

    [Fact]
    public async Task Token_AssertionAndBasic_IsInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), .. Form(SignRs256(Claims(Server)))], TestClients.Opaque);
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_AssertionAndClientSecret_IsInvalidRequest()
    {
        using var response = await TokenAsync(SignRs256(Claims(Server)), ("client_secret", new string('s', 48)));
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_AssertionWithoutItsType_IsInvalidRequest()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("client_assertion", SignRs256(Claims(Server)))]);
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("urn:ietf:params:oauth:client-assertion-type:saml2-bearer")]
    [InlineData("jwt")]
    public async Task Token_WrongAssertionType_Is401(string type)
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("client_assertion_type", type), ("client_assertion", SignRs256(Claims(Server)))]);
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Refusal_NeverStoresTheAssertion_AndIsAudited()
    {
        var claims = Claims(Server);
        claims["aud"] = "https://other.example.test";
        var assertion = SignRs256(claims);
        await AssertRefusedAsync("aud", assertion);

        await Server.FlushAuditAsync();
        Assert.Contains("client.authentication_failed", await Database.AuditActionsAsync(Server, Service));
        Assert.False(await Database.AnyColumnContainsAsync(Server, assertion.Split('.')[2]));
    }
}


public sealed class SqlitePrivateKeyJwtTests(SqliteServerFixture fixture) : PrivateKeyJwtTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresPrivateKeyJwtTests(PostgresServerFixture fixture) : PrivateKeyJwtTests(fixture), IClassFixture<PostgresServerFixture>
{
    /// <summary>Two nodes on one database: an assertion used at one is refused at the other, even when both race.</summary>
    [Fact]
    public async Task Token_ReplayAtASecondNodeSharingTheDatabase_Is401()
    {
        await using var second = await AuthServerHost.StartAsync(Server.Settings, Server.Time);

        var assertion = SignRs256(Claims(Server));
        using (var first = await TokenAsync(assertion))
        {
            await ProtocolAssert.OkJsonAsync(first);
        }

        using var replay = await second.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. Form(assertion)]);
        await ProtocolAssert.ErrorAsync(replay, HttpStatusCode.Unauthorized, "invalid_client");

        // Both nodes at once, many times: exactly one of each pair succeeds.
        for (var i = 0; i < 10; i++)
        {
            var raced = SignEs256(Claims(Server));
            var answers = await Task.WhenAll(
                Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. Form(raced)]),
                second.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. Form(raced)]));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
            foreach (var a in answers)
            {
                a.Dispose();
            }
        }
    }
}
