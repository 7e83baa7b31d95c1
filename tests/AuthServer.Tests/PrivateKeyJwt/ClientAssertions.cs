using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests.PrivateKeyJwt;

/// <summary>
/// Service clients that authenticate with private_key_jwt, their keys (made once per test run), and a hand-written JWS
/// signer, so a test can build any assertion, including the malformed ones a library would refuse to make.
/// </summary>
public static class ClientAssertions
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>RSA (kid rsa-1) and EC P-256 (kid ec-1) keys; no secret; may introspect tokens for the orders API.</summary>
    public const string Service = "svc-keys";

    /// <summary>Another keyed client (EC P-256, kid other-1).</summary>
    public const string OtherService = "svc-other";

    /// <summary>A disabled client with the same RSA key as <see cref="Service"/>.</summary>
    public const string DisabledService = "svc-disabled";

    public static readonly RSA Rsa = RSA.Create(2048);
    public static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly ECDsa OtherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string Json => $$"""
    {
      "clients": [
        { "clientId": "{{Service}}", "grantTypes": ["client_credentials"], "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"],
          "allowedApis": ["{{TestClients.Orders}}"], "introspectionApis": ["{{TestClients.Orders}}"],
          "jwks": { "keys": [ {{RsaJwk(Rsa, "rsa-1")}}, {{EcJwk(Ec, "ec-1")}} ] } },
        { "clientId": "{{OtherService}}", "grantTypes": ["client_credentials"], "allowedScopes": ["orders.read"],
          "allowedApis": ["{{TestClients.Orders}}"], "jwks": { "keys": [ {{EcJwk(OtherEc, "other-1")}} ] } },
        { "clientId": "{{DisabledService}}", "grantTypes": ["client_credentials"], "allowedScopes": ["orders.read"], "enabled": false,
          "allowedApis": ["{{TestClients.Orders}}"], "jwks": { "keys": [ {{RsaJwk(Rsa, "rsa-1")}} ] } }
      ]
    }
    """;

    public static string RsaJwk(RSA rsa, string? kid, string extra = "")
    {
        var p = rsa.ExportParameters(false);
        return $$"""{ "kty": "RSA", {{Kid(kid)}} "use": "sig", "n": "{{B64(p.Modulus!)}}", "e": "{{B64(p.Exponent!)}}" {{extra}} }""";
    }

    public static string EcJwk(ECDsa ec, string? kid, string extra = "")
    {
        var p = ec.ExportParameters(false);
        var crv = p.Curve.Oid.FriendlyName switch { "nistP384" or "ECDSA_P384" => "P-384", "nistP521" or "ECDSA_P521" => "P-521", _ => "P-256" };
        return $$"""{ "kty": "EC", {{Kid(kid)}} "crv": "{{crv}}", "x": "{{B64(p.Q.X!)}}", "y": "{{B64(p.Q.Y!)}}" {{extra}} }""";
    }

    /// <summary>The claims of a valid assertion for <paramref name="clientId"/> at <paramref name="server"/>, to change as a test needs.</summary>
    public static Dictionary<string, object?> Claims(AuthServerHost server, string clientId = Service)
    {
        var now = server.Time.GetUtcNow().ToUnixTimeSeconds();
        return new Dictionary<string, object?>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = server.Issuer,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now,
            ["exp"] = now + 60,
        };
    }

    public static Dictionary<string, object?> Header(string alg, string? kid, string? typ = "JWT")
    {
        var header = new Dictionary<string, object?> { ["alg"] = alg };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        if (typ is not null)
        {
            header["typ"] = typ;
        }

        return header;
    }

    public static string SignRs256(Dictionary<string, object?> claims, string? kid = "rsa-1", RSA? key = null) =>
        Sign(Header("RS256", kid), claims, data => (key ?? Rsa).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static string SignPs256(Dictionary<string, object?> claims, string? kid = "rsa-1") =>
        Sign(Header("PS256", kid), claims, data => Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));

    public static string SignEs256(Dictionary<string, object?> claims, string? kid = "ec-1", ECDsa? key = null) =>
        Sign(Header("ES256", kid), claims, data => (key ?? Ec).SignData(data, HashAlgorithmName.SHA256));

    /// <summary>A compact JWS of exactly this header and payload, signed over them by <paramref name="sign"/>.</summary>
    public static string Sign(Dictionary<string, object?> header, Dictionary<string, object?> claims, Func<byte[], byte[]> sign)
    {
        var input = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    public static (string, string)[] Form(string assertion, params (string, string)[] extra) =>
        [("client_assertion_type", AssertionType), ("client_assertion", assertion), .. extra];

    public static string B64(byte[] bytes) => Base64UrlEncoder.Encode(bytes);

    private static string Kid(string? kid) => kid is null ? "" : $"\"kid\": \"{kid}\",";
}
