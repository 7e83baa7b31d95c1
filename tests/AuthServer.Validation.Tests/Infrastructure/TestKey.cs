using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Validation.Tests.Infrastructure;

/// <summary>A signing key the fake authority publishes and the tests sign with.</summary>
public sealed class TestKey
{
    private readonly ECDsa? _ec;
    private readonly RSA? _rsa;

    private TestKey(string kid, string alg, ECDsa? ec, RSA? rsa)
    {
        Kid = kid;
        Alg = alg;
        _ec = ec;
        _rsa = rsa;
    }

    /// <summary>Shared by the tests that do not care which instance they get (RSA generation is slow).</summary>
    public static TestKey Es256 { get; } = Ec("ec-1");

    public static TestKey Rs256 { get; } = Rsa("rsa-1");

    public string Kid { get; }

    public string Alg { get; }

    /// <summary>When false, the published JWK has no alg member (RFC 7517 §4.4 makes it optional).</summary>
    public bool PublishAlg { get; init; } = true;

    public static TestKey Ec(string kid) => new(kid, "ES256", ECDsa.Create(ECCurve.NamedCurves.nistP256), null);

    public static TestKey Rsa(string kid) => new(kid, "RS256", null, System.Security.Cryptography.RSA.Create(2048));

    public TestKey WithoutPublishedAlg() => new(Kid, Alg, _ec, _rsa) { PublishAlg = false };

    /// <summary>The JWS signature over signing input with the key's own algorithm (RFC 7518 §3.3, §3.4).</summary>
    public byte[] Sign(byte[] input) => _ec is not null
        ? _ec.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
        : _rsa!.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    /// <summary>Public members only, as AuthServer publishes them.</summary>
    public Dictionary<string, string> PublicJwk()
    {
        var jwk = new Dictionary<string, string> { ["kid"] = Kid, ["use"] = "sig" };
        if (PublishAlg)
        {
            jwk["alg"] = Alg;
        }

        if (_ec is not null)
        {
            var p = _ec.ExportParameters(includePrivateParameters: false);
            jwk["kty"] = "EC";
            jwk["crv"] = "P-256";
            jwk["x"] = Base64UrlEncoder.Encode(p.Q.X);
            jwk["y"] = Base64UrlEncoder.Encode(p.Q.Y);
        }
        else
        {
            var p = _rsa!.ExportParameters(includePrivateParameters: false);
            jwk["kty"] = "RSA";
            jwk["n"] = Base64UrlEncoder.Encode(p.Modulus);
            jwk["e"] = Base64UrlEncoder.Encode(p.Exponent);
        }

        return jwk;
    }

    /// <summary>Public key encodings an attacker might try as an HMAC secret.</summary>
    public IEnumerable<byte[]> PublicKeyBytesAnAttackerMightUse()
    {
        if (_ec is not null)
        {
            var p = _ec.ExportParameters(includePrivateParameters: false);
            yield return [.. p.Q.X!, .. p.Q.Y!];
            yield return _ec.ExportSubjectPublicKeyInfo();
        }
        else
        {
            yield return _rsa!.ExportSubjectPublicKeyInfo();
            yield return System.Text.Encoding.ASCII.GetBytes(_rsa.ExportSubjectPublicKeyInfoPem());
            yield return _rsa.ExportRSAPublicKey();
        }
    }
}
