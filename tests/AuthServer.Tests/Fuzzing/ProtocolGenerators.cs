using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Fuzzing;

/// <summary>POST /connect/token: every grant type, every way of authenticating the client, with real codes and tokens.</summary>
public sealed class TokenEndpointGenerator : IFuzzGenerator
{
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    private const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public bool Covers(FuzzEndpoint endpoint) => endpoint.StartsWith("/connect/token");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var q = FuzzEndpoints.Base(endpoint, method, endpoint.Pattern);
        switch (r.Next(7))
        {
            case 0:
                q.WithForm(("grant_type", "client_credentials"), ("scope", "orders.read"), ("resource", Orders)).WithBasic(Opaque);
                break;
            case 1:
                q.WithForm(("grant_type", "client_credentials"), ("client_id", Jwt.Id), ("client_secret", Jwt.Secret), ("scope", "orders.read inventory.read"));
                break;
            case 2:
                q.WithForm(("grant_type", "authorization_code"), ("code", c.NextCode()), ("redirect_uri", WebCallback), ("code_verifier", CodeFlow.Verifier))
                    .WithBasic(Web);
                break;
            case 3:
                q.WithForm(("grant_type", "refresh_token"), ("refresh_token", c.RefreshToken), ("scope", "openid")).WithBasic(Web);
                break;
            case 4:
                q.WithForm(("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("subject_token", r.Pick(c.JwtToken, c.OpaqueToken, c.UserAccessToken)),
                    ("subject_token_type", AccessTokenType), ("requested_token_type", AccessTokenType), ("audience", Inventory), ("scope", "inventory.read"))
                    .WithBasic(r.Pick(Jwt, Opaque));
                break;
            case 5:
                // private_key_jwt / client_secret_jwt shape (RFC 7523 §2.2): a signed-looking assertion the server must refuse cleanly.
                q.WithForm(("grant_type", "client_credentials"), ("client_id", Opaque.Id), ("client_assertion_type", JwtBearer),
                    ("client_assertion", r.Pick(c.JwtToken, c.IdToken, FuzzValues.BreakJwt(r, c.JwtToken))));
                break;
            default:
                q.WithForm(("grant_type", "authorization_code"), ("code", c.NextCode()), ("redirect_uri", SpaCallback), ("client_id", Spa),
                    ("code_verifier", CodeFlow.Verifier));
                break;
        }

        return q;
    }
}

/// <summary>
/// The back-channel protocol endpoints: introspection (JSON, RFC 9701 JWT and phantom answers), revocation, the
/// phantom-token sub-request, userinfo (every bearer placement), discovery and JWKS.
/// </summary>
public sealed class BackChannelGenerator : IFuzzGenerator
{
    public bool Covers(FuzzEndpoint endpoint) =>
        endpoint.StartsWith("/connect/introspect") || endpoint.StartsWith("/connect/revoke") || endpoint.StartsWith("/connect/phantom")
        || endpoint.StartsWith("/connect/userinfo") || endpoint.StartsWith("/.well-known/");

    public FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext c)
    {
        var q = FuzzEndpoints.Base(endpoint, method, endpoint.Pattern);
        var token = r.Pick(c.OpaqueToken, c.JwtToken, c.UserAccessToken, c.IdToken, c.RefreshToken);
        switch (endpoint.Pattern)
        {
            case "/connect/introspect":
                q.WithForm(("token", token), ("token_type_hint", r.Pick("access_token", "refresh_token", "id_token", "bogus")))
                    .WithBasic(r.Pick(Gateway, OrdersGateway, Opaque));
                q.SetHeader("Accept", r.Pick("application/json", "application/token-introspection+jwt", "application/jwt",
                    "application/token-introspection+jwt, application/json;q=0.5", "*/*"));
                break;
            case "/connect/revoke":
                q.WithForm(("token", r.Next(3) == 0 ? token : c.RevocableToken), ("token_type_hint", r.Pick("access_token", "refresh_token")))
                    .WithBasic(Opaque);
                break;
            case "/connect/phantom":
                q.WithBasic(r.Pick(Gateway, OrdersGateway));
                q.SetHeader("X-Access-Token", r.Pick("Bearer ", "bearer ", "Bearer  ") + r.Pick(c.OpaqueToken, c.JwtToken, token));
                break;
            case "/connect/userinfo":
                var bearer = r.Pick(c.UserAccessToken, c.UserAccessToken, token);
                if (method == "POST" && r.Next(2) == 0)
                {
                    q.WithForm(("access_token", bearer)); // RFC 6750 §2.2
                }
                else
                {
                    q.SetHeader("Authorization", r.Pick("Bearer ", "bearer ", "BEARER ", "Bearer\t", "DPoP ") + bearer);
                }

                if (r.Next(6) == 0)
                {
                    q.Query.Add(("access_token", bearer)); // RFC 6750 §2.3, together with the header: two places
                }

                break;
            default:
                // Discovery and JWKS take no parameters; they must ignore whatever comes.
                if (r.Next(2) == 0)
                {
                    q.Query.Add(("format", r.Pick("json", "jwt")));
                }

                q.SetHeader("Accept", r.Pick("application/json", "application/jwk-set+json", "text/html"));
                break;
        }

        return q;
    }
}
