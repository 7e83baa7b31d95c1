using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// What <see cref="PhantomTokenTests"/> (the introspection endpoint's JWT answers) and
/// <see cref="PhantomTokenEndpointTests"/> (GET /connect/phantom) share: their clients, inactive tokens and JWT checks.
/// </summary>
public abstract class PhantomTokenTestBase(ServerFixture fixture)
{
    // Orders and Payments are both ES256, so one token can be for both and a gateway for one API sees half of it.
    protected static readonly (string Id, string Secret) TwoApis = ("phantom-two-apis", new string('t', 20) + "-secret-0123456789abcdefghij");
    protected static readonly (string Id, string Secret) InventoryOnly = ("phantom-inventory", new string('i', 20) + "-secret-0123456789abcdefghij");
    protected static readonly (string Id, string Secret) PaymentsGateway = ("phantom-payments-gateway", new string('y', 20) + "-secret-0123456789abcdefghij");

    protected AuthServerHost Server => fixture.Host;

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

    // A refresh token and an ID token of the same sign-in are for Orders' client, but neither is an access token.
    public static TheoryData<string> Inactive => new() { "revoked", "expired", "garbage", "other-api", "refresh-token", "id-token" };

    /// <summary>These classes' clients, claim types and scope releases; the first import waits out the catalog cache.</summary>
    protected async Task ImportAsync()
    {
        if ((await Server.ImportAsync(Json)).Changes.Count > 0)
        {
            Server.Time.Advance(TimeSpan.FromSeconds(31));
        }
    }

    protected async Task<string> InactiveTokenAsync(string why)
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

    protected static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(new JsonWebToken(jwt).EncodedPayload)).RootElement.Clone();

    /// <summary>typ, alg, a kid the JWKS publishes for that alg, and a signature, issuer and audience that validate.</summary>
    protected async Task AssertSignedAsync(string jwt, string type, string algorithm, string audience, bool lifetime)
    {
        var token = new JsonWebToken(jwt);
        Assert.Equal(type, token.Typ);
        Assert.Equal(algorithm, token.Alg);
        var jwks = new JsonWebKeySet(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        Assert.Contains(jwks.Keys, k => k.Kid == token.Kid && k.Alg == algorithm);
        var result = await ValidateAsync(jwt, type, algorithm, audience, lifetime);
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    protected async Task<TokenValidationResult> ValidateAsync(string jwt, string type, string algorithm, string audience, bool lifetime)
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
