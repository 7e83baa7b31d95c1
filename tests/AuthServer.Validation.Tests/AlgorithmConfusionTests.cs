using System.Net;
using AuthServer.Validation.Tests.Infrastructure;

namespace AuthServer.Validation.Tests;

/// <summary>RFC 8725 §2.1 and §3.1: the algorithm comes from the allow-list and the key, never from the token alone.</summary>
public sealed class AlgorithmConfusionTests
{
    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    public async Task AlgNone_Unsigned_IsRefused(string alg)
    {
        await using var h = await Harness.StartAsync();
        var header = Tokens.Header(TestKey.Es256);
        header["alg"] = alg;
        var unsigned = Tokens.Jws(header, Tokens.Payload(h.Authority.Issuer, h.Time), _ => []);

        var response = await h.GetAsync("/me", unsigned);

        Harness.AssertInvalidToken(response, "The signing algorithm is not accepted.");
    }

    [Fact]
    public async Task AlgNone_WithAValidSignatureAttached_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var header = Tokens.Header(TestKey.Es256);
        header["alg"] = "none";
        var withSignature = Tokens.Sign(TestKey.Es256, header, Tokens.Payload(h.Authority.Issuer, h.Time));

        Harness.AssertInvalidToken(await h.GetAsync("/me", withSignature), "The signing algorithm is not accepted.");
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public async Task Hs256_KeyedWithThePublishedPublicKey_IsRefused(string keyType)
    {
        await using var h = await Harness.StartAsync();
        var key = keyType == "rsa" ? TestKey.Rs256 : TestKey.Es256;
        var header = Tokens.Header(key);
        header["alg"] = "HS256";

        foreach (var secret in key.PublicKeyBytesAnAttackerMightUse())
        {
            var forged = Tokens.SignHs256(header, Tokens.Payload(h.Authority.Issuer, h.Time), secret);

            Harness.AssertInvalidToken(await h.GetAsync("/me", forged), "The signing algorithm is not accepted.");
        }
    }

    [Fact]
    public async Task AlgHeader_NotTheAlgOfTheNamedKey_IsRefused()
    {
        // An RS256 signature, valid for the RSA key, presented under the kid of the ES256 key.
        await using var h = await Harness.StartAsync();
        var header = Tokens.Header(TestKey.Rs256);
        header["kid"] = TestKey.Es256.Kid;

        var forged = Tokens.Sign(TestKey.Rs256, header, Tokens.Payload(h.Authority.Issuer, h.Time));

        Harness.AssertInvalidToken(await h.GetAsync("/me", forged), "The signing algorithm is not accepted.");
    }

    [Fact]
    public async Task AlgHeader_AllowedButNotTheJwkAlg_IsRefused()
    {
        // The RSA key is published for RS256; a PS256 token under its kid must fail even though PS256 is allowed.
        await using var h = await Harness.StartAsync(o => o.AllowedAlgorithms.Add("PS256"));
        var header = Tokens.Header(TestKey.Rs256);
        header["alg"] = "PS256";

        var forged = Tokens.Sign(TestKey.Rs256, header, Tokens.Payload(h.Authority.Issuer, h.Time));

        Harness.AssertInvalidToken(await h.GetAsync("/me", forged), "The signing algorithm is not accepted.");
    }

    [Fact]
    public async Task JwkWithoutAlg_StillRequiresTheKeyTypeToFitTheAlg()
    {
        var ec = TestKey.Es256.WithoutPublishedAlg();
        await using var h = await Harness.StartAsync(keys: [ec, TestKey.Rs256]);
        var header = Tokens.Header(TestKey.Rs256);
        header["kid"] = ec.Kid;

        var forged = Tokens.Sign(TestKey.Rs256, header, Tokens.Payload(h.Authority.Issuer, h.Time));

        Harness.AssertInvalidToken(await h.GetAsync("/me", forged), "The signing algorithm is not accepted.");
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token(ec))).StatusCode);
    }

    [Fact]
    public async Task AllowList_Narrowed_RefusesTheOtherwiseValidAlgorithm()
    {
        await using var h = await Harness.StartAsync(o => o.AllowedAlgorithms.Remove("RS256"));

        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token(TestKey.Rs256)), "The signing algorithm is not accepted.");
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token(TestKey.Es256))).StatusCode);
    }
}
