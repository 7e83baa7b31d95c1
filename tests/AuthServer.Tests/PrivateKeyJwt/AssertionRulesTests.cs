using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.PrivateKeyJwt.ClientAssertions;

namespace AuthServer.Tests.PrivateKeyJwt;

/// <summary>
/// Each rule of a client assertion (RFC 7523 §3, draft-ietf-oauth-rfc7523bis), broken on its own: 401 invalid_client,
/// and the audit detail names the rule that refused it.
/// </summary>
public abstract class AssertionRulesTests(ServerFixture fixture) : PrivateKeyJwtTestBase(fixture)
{
    // --- aud (RFC 7523 §3 item 3; draft-ietf-oauth-rfc7523bis) ---

    [Fact]
    public async Task Token_AudienceIsTheTokenEndpointUrl_OrBothOfOurs_IsAccepted()
    {
        foreach (object aud in new object[] { Server.Issuer + "/connect/token", new[] { Server.Issuer, Server.Issuer + "/connect/token" } })
        {
            var claims = Claims(Server);
            claims["aud"] = aud;
            using var response = await TokenAsync(SignRs256(claims));
            await ProtocolAssert.OkJsonAsync(response);
        }
    }

    [Fact]
    public async Task Token_ExplicitlyTypedWithTheIssuerAsAudience_IsAccepted()
    {
        var assertion = Sign(Header("ES256", "ec-1", "client-authentication+jwt"), Claims(Server), Es256);
        using var response = await TokenAsync(assertion);
        await ProtocolAssert.OkJsonAsync(response);
    }

    public static TheoryData<string> WrongAudiences => new()
    {
        "another-server",       // someone else
        "/connect/introspect",  // an endpoint URL other than the token endpoint's
        "array-with-foreign",   // ours, and another party's: that party could replay it here
        "missing",
        "number",
        "typed-token-endpoint", // client-authentication+jwt wants exactly the issuer
        "typed-array",
    };

    [Theory]
    [MemberData(nameof(WrongAudiences))]
    public async Task Token_WrongAudience_Is401(string kind)
    {
        var claims = Claims(Server);
        string? typ = "JWT";
        switch (kind)
        {
            case "another-server": claims["aud"] = "https://other.example.test"; break;
            case "/connect/introspect": claims["aud"] = Server.Issuer + "/connect/introspect"; break;
            case "array-with-foreign": claims["aud"] = new[] { Server.Issuer, "https://other.example.test" }; break;
            case "missing": claims.Remove("aud"); break;
            case "number": claims["aud"] = 42; break;
            case "typed-token-endpoint": claims["aud"] = Server.Issuer + "/connect/token"; typ = "client-authentication+jwt"; break;
            case "typed-array": claims["aud"] = new[] { Server.Issuer }; typ = "client-authentication+jwt"; break;
        }

        // A number where the library expects a string or an array fails already when the JWT is read.
        var because = kind == "number" ? "not a well-formed JWT" : "aud";
        await AssertRefusedAsync(because, Sign(Header("ES256", "ec-1", typ), claims, Es256));
    }

    // --- times, on the server's clock ---

    [Fact]
    public async Task Token_Expired_Is401()
    {
        var claims = Claims(Server);
        claims["exp"] = Server.Time.GetUtcNow().ToUnixTimeSeconds() - 60;
        await AssertRefusedAsync("has expired", SignRs256(claims));
    }

    [Fact]
    public async Task Token_ValidAssertionSentAfterItExpired_Is401()
    {
        var assertion = SignRs256(Claims(Server));
        Server.Time.Advance(TimeSpan.FromSeconds(60 + 31));
        await AssertRefusedAsync("has expired", assertion);
    }

    [Fact]
    public async Task Token_WithinClockSkewAfterExpiry_IsStillAccepted()
    {
        var assertion = SignRs256(Claims(Server));
        Server.Time.Advance(TimeSpan.FromSeconds(60 + 20));
        using var response = await TokenAsync(assertion);
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Fact]
    public async Task Token_AssertionExpiringInOneHour_IsAccepted()
    {
        // Authlib's default: exp = iat + 3600.
        var claims = Claims(Server);
        claims["exp"] = Server.Time.GetUtcNow().ToUnixTimeSeconds() + 3600;
        using var response = await TokenAsync(SignRs256(claims));
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Theory]
    [InlineData("exp-too-far", "minutes ahead")]
    [InlineData("exp-missing", "no valid exp")]
    [InlineData("exp-string", "no valid exp")]
    [InlineData("nbf-future", "not valid yet (nbf)")]
    [InlineData("iat-future", "issued in the future (iat)")]
    public async Task Token_BadTimes_Is401(string kind, string because)
    {
        var claims = Claims(Server);
        var now = Server.Time.GetUtcNow().ToUnixTimeSeconds();
        switch (kind)
        {
            case "exp-too-far": claims["exp"] = now + 3600 + 31; break;
            case "exp-missing": claims.Remove("exp"); break;
            case "exp-string": claims["exp"] = (now + 60).ToString(System.Globalization.CultureInfo.InvariantCulture); break;
            case "nbf-future": claims["nbf"] = now + 120; break;
            case "iat-future": claims["iat"] = now + 120; break;
        }

        await AssertRefusedAsync(because, SignRs256(claims));
    }

    // --- jti ---

    [Fact]
    public async Task Token_WithoutJti_Is401()
    {
        var claims = Claims(Server);
        claims.Remove("jti");
        await AssertRefusedAsync("jti of 1 to", SignRs256(claims));
    }

    [Fact]
    public async Task Token_ReplayedAssertion_Is401TheSecondTime_EvenAtAnotherEndpoint()
    {
        var assertion = SignRs256(Claims(Server));
        using (var first = await TokenAsync(assertion))
        {
            await ProtocolAssert.OkJsonAsync(first);
        }

        await AssertRefusedAsync("replay", assertion);
        using var introspect = await Server.PostFormAsync("/connect/introspect", Form(assertion, ("token", "x")));
        await ProtocolAssert.ErrorAsync(introspect, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_NewAssertionReusingAJtiThatHasExpired_IsAccepted()
    {
        var claims = Claims(Server);
        using (var first = await TokenAsync(SignRs256(claims)))
        {
            await ProtocolAssert.OkJsonAsync(first);
        }

        Server.Time.Advance(TimeSpan.FromMinutes(2));
        var again = Claims(Server);
        again["jti"] = claims["jti"];
        using var response = await TokenAsync(SignRs256(again));
        await ProtocolAssert.OkJsonAsync(response);
    }

    // --- the signature and its header ---

    [Fact]
    public async Task Token_SignedWithAnUnregisteredKeyUnderARegisteredKid_Is401()
    {
        using var stranger = RSA.Create(2048);
        await AssertRefusedAsync("signature does not verify", SignRs256(Claims(Server), "rsa-1", stranger));
        await AssertRefusedAsync("signature does not verify", SignRs256(Claims(Server), null, stranger));
    }

    [Theory]
    [InlineData("jwk")]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    public async Task Token_HeaderOfferingTheSignersOwnKey_IsNotTrusted(string member)
    {
        // Embedded or linked keys (RFC 7515 §4.1.2–4.1.6) are never used: only the client's registered keys verify, and
        // nothing named by a URL is fetched. The attacker signs with their own key and offers it in the header.
        using var stranger = RSA.Create(2048);
        var header = Header("RS256", "rsa-1");
        var strangerJwk = JsonSerializer.Deserialize<JsonElement>(RsaJwk(stranger, "rsa-1"));
        header[member] = member switch
        {
            "jwk" => strangerJwk,
            "x5c" => new[] { Convert.ToBase64String(SelfSigned(stranger)) },
            _ => "http://127.0.0.1:9/keys.json",
        };
        var assertion = Sign(header, Claims(Server), data => stranger.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        await AssertRefusedAsync("signature does not verify", assertion);
    }

    private static byte[] SelfSigned(RSA key)
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=svc-keys", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
        return certificate.RawData;
    }

    [Fact]
    public async Task Token_SignedWithAnotherClientsKey_Is401()
    {
        await AssertRefusedAsync("signature does not verify", SignEs256(Claims(Server), "ec-1", OtherEc));
    }

    [Fact]
    public async Task Token_UnknownKid_Is401()
    {
        await AssertRefusedAsync("no registered key has kid 'rsa-2'", SignRs256(Claims(Server), "rsa-2"));
    }

    [Fact]
    public async Task Token_AlgNone_Is401()
    {
        var unsigned = Sign(Header("none", null), Claims(Server), _ => []);
        await AssertRefusedAsync("alg 'none'", unsigned);
    }

    [Fact]
    public async Task Token_Hs256KeyedWithThePublicKey_Is401()
    {
        // The classic confusion: HMAC with the registered public key's bytes as the shared secret.
        var secret = Rsa.ExportSubjectPublicKeyInfo();
        await AssertRefusedAsync("alg 'HS256'", Sign(Header("HS256", "rsa-1"), Claims(Server), data => HMACSHA256.HashData(secret, data)));
        await AssertRefusedAsync("alg 'HS256'", Sign(Header("HS256", null), Claims(Server), data => HMACSHA256.HashData(secret, data)));
    }

    [Fact]
    public async Task Token_RsaKidWithAnEs256Header_Is401()
    {
        await AssertRefusedAsync("made for alg ES256", Sign(Header("ES256", "rsa-1"), Claims(Server), Es256));
        await AssertRefusedAsync("made for alg RS256", Sign(Header("RS256", "ec-1"), Claims(Server),
            data => Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
    }

    [Fact]
    public async Task Token_TamperedPayload_Is401()
    {
        var parts = SignRs256(Claims(Server)).Split('.');
        var claims = Claims(Server);
        claims["jti"] = "tampered";
        var otherPayload = Sign(Header("RS256", "rsa-1"), claims, _ => []).Split('.')[1];
        await AssertRefusedAsync("signature does not verify", $"{parts[0]}.{otherPayload}.{parts[2]}");
    }

    [Theory]
    [InlineData("cut-signature", "signature does not verify")]
    [InlineData("two-parts", "not a compact JWS")]
    [InlineData("five-parts", "not a compact JWS")]
    [InlineData("garbage", "not a compact JWS")]
    [InlineData("bad-base64", "not a well-formed JWT")]
    public async Task Token_MalformedAssertion_Is401(string kind, string because)
    {
        var valid = SignRs256(Claims(Server));
        var assertion = kind switch
        {
            "cut-signature" => valid[..^10],
            "two-parts" => valid[..valid.LastIndexOf('.')],
            "five-parts" => valid + ".a.b",
            "bad-base64" => "!!!." + valid.Split('.')[1] + ".???",
            _ => "not-a-jwt",
        };
        await AssertRefusedAsync(because, assertion);
    }

    [Theory]
    [InlineData("alg-number")]
    [InlineData("kid-number")]
    [InlineData("typ-number")]
    [InlineData("iss-number")]
    [InlineData("jti-number")]
    [InlineData("nbf-string")]
    [InlineData("header-array")]
    [InlineData("payload-array")]
    [InlineData("long-sub")]
    [InlineData("too-long")]
    public async Task Token_OddlyShapedAssertion_Is401NeverA500(string kind)
    {
        var header = Header("ES256", "ec-1");
        var claims = Claims(Server);
        switch (kind)
        {
            case "alg-number": header["alg"] = 256; break;
            case "kid-number": header["kid"] = 1; break;
            case "typ-number": header["typ"] = 7; break;
            case "iss-number": claims["iss"] = 5; break;
            case "jti-number": claims["jti"] = 12345; break;
            case "nbf-string": claims["nbf"] = "yesterday"; break;
            case "long-sub": claims["iss"] = claims["sub"] = new string('a', 500); break;
            case "too-long": claims["pad"] = new string('p', 9000); break;
        }

        var assertion = Sign(header, claims, Es256);
        if (kind is "header-array" or "payload-array")
        {
            var parts = assertion.Split('.');
            var array = B64("[1,2]"u8.ToArray());
            assertion = kind == "header-array" ? $"{array}.{parts[1]}.{parts[2]}" : $"{parts[0]}.{array}.{parts[2]}";
        }

        await AssertRefusedAsync("", assertion);
    }

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("JOSE")]
    public async Task Token_WrongTyp_Is401(string typ)
    {
        await AssertRefusedAsync("typ", Sign(Header("ES256", "ec-1", typ), Claims(Server), Es256));
    }

    [Fact]
    public async Task Token_CritHeader_Is401()
    {
        var header = Header("ES256", "ec-1");
        header["crit"] = new[] { "exp" };
        await AssertRefusedAsync("crit", Sign(header, Claims(Server), Es256));
    }
}

public sealed class SqliteAssertionRulesTests(SqliteServerFixture fixture) : AssertionRulesTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAssertionRulesTests(PostgresServerFixture fixture) : AssertionRulesTests(fixture), IClassFixture<PostgresServerFixture>;
