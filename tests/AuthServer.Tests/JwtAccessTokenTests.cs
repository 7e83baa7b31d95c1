using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

public abstract class JwtAccessTokenTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task ClientCredentials_ForJwtClient_ReturnsEs256AtJwtThatValidatesAgainstJwks()
    {
        var token = await Server.IssueAsync(Jwt, ("scope", "orders.read"));

        var jwt = new JsonWebToken(token);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        var result = await ValidateAsync(token, Orders);
        Assert.True(result.IsValid, result.Exception?.Message);

        // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; plus nbf and scope.
        var now = Server.Time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(Server.Issuer, jwt.Issuer);
        Assert.Equal(Jwt.Id, jwt.Subject);
        Assert.Equal([Orders], jwt.Audiences);
        Assert.Equal(Jwt.Id, jwt.GetClaim("client_id").Value);
        Assert.Equal("orders.read", jwt.GetClaim("scope").Value);
        Assert.Equal(now, jwt.GetPayloadValue<long>("iat"));
        Assert.Equal(now, jwt.GetPayloadValue<long>("nbf"));
        Assert.Equal(now + 600, jwt.GetPayloadValue<long>("exp"));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
    }

    [Fact]
    public async Task ClientCredentials_ForRs256Api_ReturnsRs256Jwt()
    {
        var token = await Server.IssueAsync(Jwt, ("resource", Inventory), ("scope", "inventory.read"));

        Assert.Equal("RS256", new JsonWebToken(token).Alg);
        var result = await ValidateAsync(token, Inventory);
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task ClientCredentials_ForApisWithDifferentAlgorithms_ReturnsInvalidTarget()
    {
        using var response = await Server.PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), ("resource", Orders), ("resource", Inventory)], Jwt);

        await ProtocolAssert.ErrorAsync(response, System.Net.HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task JwtAccessToken_JtiIsTrackedSoRevocationReachesIt()
    {
        var token = await Server.IssueAsync(Jwt);

        Assert.Contains(new JsonWebToken(token).Id, await Database.TokenIdsAsync(Server));
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
            ValidAlgorithms = ["ES256", "RS256"],
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (nbf, exp, _, _) => nbf <= now && now < exp,
        });
    }
}

public sealed class SqliteJwtAccessTokenTests(SqliteServerFixture fixture) : JwtAccessTokenTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresJwtAccessTokenTests(PostgresServerFixture fixture) : JwtAccessTokenTests(fixture), IClassFixture<PostgresServerFixture>;
