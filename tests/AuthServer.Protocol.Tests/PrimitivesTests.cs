using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Secrets;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Protocol.Tests;

public sealed class PrimitivesTests
{
    [Fact]
    public void SecretHasher_GeneratedSecret_Has256BitsAndVerifiesOnlyItself()
    {
        var secret = SecretHasher.Generate();
        var hash = SecretHasher.Hash(secret);

        Assert.Equal(43, secret.Length);
        Assert.True(SecretHasher.IsWellFormedHash(hash));
        Assert.True(SecretHasher.Verify(secret, [SecretHasher.Hash("other-secret"), hash]));
        Assert.False(SecretHasher.Verify(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), [hash]));
        Assert.False(SecretHasher.Verify(secret, ["sha256:not-base64!", "md5:abc"]));
        Assert.False(SecretHasher.Verify(secret, []));
    }

    [Fact]
    public void OpaqueHandle_IsRandomAndOnlyWellFormedHandlesAreLookedUp()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_795_430_328_123);
        var a = OpaqueHandle.Create(now);
        var b = OpaqueHandle.Create(now);

        Assert.NotEqual(a, b);
        Assert.Equal(OpaqueHandle.Length, a.Length);
        Assert.True(OpaqueHandle.IsWellFormed(a));
        Assert.False(OpaqueHandle.IsWellFormed(a + "x"));
        Assert.False(OpaqueHandle.IsWellFormed(a[..^1]));
        Assert.False(OpaqueHandle.IsWellFormed(new string('+', OpaqueHandle.Length)));
        Assert.False(OpaqueHandle.IsWellFormed("ZZ" + a[2..]));
        Assert.Equal(OpaqueHandle.Hash(a), OpaqueHandle.Hash(a));
        Assert.NotEqual(OpaqueHandle.Hash(a), OpaqueHandle.Hash(b));
    }

    [Fact]
    public void OpaqueHandle_StoredKeyHoldsTheTimePrefixAndTheHashOfTheWholeHandle()
    {
        var handle = OpaqueHandle.Create(DateTimeOffset.FromUnixTimeMilliseconds(1_795_430_328_123));

        var key = OpaqueHandle.Hash(handle);

        Assert.Equal("01a207fca73b", handle[..12]);
        Assert.Equal("01a207fca73b" + Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(handle))), key);
        Assert.DoesNotContain(handle[12..], key, StringComparison.Ordinal);
    }

    [Fact]
    public void OpaqueHandle_LaterIdentifiersSortAfterEarlierOnes()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_795_430_328_000);
        var steps = new[] { 0L, 1, 2, 63, 64, 65, 999, 1000, 4095, 4096, 65_535, 65_536, 3_600_000, 86_400_000 };
        var ids = steps.Select(ms => OpaqueHandle.NewId(start.AddMilliseconds(ms))).ToList();
        var keys = steps.Select(ms => OpaqueHandle.Hash(OpaqueHandle.Create(start.AddMilliseconds(ms)))).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(keys, keys.Order(StringComparer.Ordinal));
        Assert.Equal(16, Base64Url.DecodeFromChars(ids[0].AsSpan(12)).Length);
    }

    [Fact]
    public void ProtocolParameters_RepeatedParameter_IsRejected()
    {
        var error = Assert.Throws<OAuthException>(() => ProtocolParameters.Parse(
            [KeyValuePair.Create<string, IReadOnlyList<string>>("scope", ["a", "b"])]));

        Assert.Equal(OAuthErrorCode.InvalidRequest, error.Code);
    }

    [Fact]
    public void ProtocolParameters_EmptyValue_CountsAsOmittedButResourceMayRepeat()
    {
        var p = ProtocolParameters.Parse(
        [
            KeyValuePair.Create<string, IReadOnlyList<string>>("scope", [""]),
            KeyValuePair.Create<string, IReadOnlyList<string>>("resource", ["https://a.test", "https://b.test"]),
        ]);

        Assert.Null(p.Get("scope"));
        Assert.Equal(["https://a.test", "https://b.test"], p.GetAll("resource"));
        Assert.Equal(OAuthErrorCode.InvalidRequest, Assert.Throws<OAuthException>(() => p.Require("scope")).Code);
    }

    [Theory]
    [InlineData("a\"b")]
    [InlineData("a\\b")]
    [InlineData("caf\u00e9")]
    [InlineData("tab\tbed")]
    public void ScopePolicy_ScopeWithForbiddenCharacters_IsInvalidScope(string scope)
    {
        Assert.Equal(OAuthErrorCode.InvalidScope, Assert.Throws<OAuthException>(() => ScopePolicy.ParseScope(scope)).Code);
    }

    [Fact]
    public void ScopePolicy_ParseScope_DropsDuplicatesAndExtraSpaces()
    {
        Assert.Equal(["a", "b"], ScopePolicy.ParseScope(" a  b a "));
    }

    [Theory]
    [InlineData(OAuthErrorCode.InvalidClient, 401)]
    [InlineData(OAuthErrorCode.InvalidRequest, 400)]
    [InlineData(OAuthErrorCode.InvalidTarget, 400)]
    [InlineData(OAuthErrorCode.ServerError, 500)]
    [InlineData(OAuthErrorCode.TemporarilyUnavailable, 503)]
    public void OAuthErrorCodes_MapToTheirRfcStatus(OAuthErrorCode code, int status)
    {
        Assert.Equal(status, code.HttpStatus());
    }

    [Fact]
    public void MasterKeyProtector_RejectsAnotherKeyAnotherKidAndTampering()
    {
        var protector = new MasterKeyProtector(RandomNumberGenerator.GetBytes(32));
        var sealedKey = protector.Protect([1, 2, 3], "kid-1");

        Assert.Equal([1, 2, 3], protector.Unprotect(sealedKey, "kid-1"));
        Assert.ThrowsAny<CryptographicException>(() => new MasterKeyProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(sealedKey, "kid-1"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedKey, "kid-2"));
        sealedKey[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedKey, "kid-1"));
    }

    [Theory]
    [InlineData(SigningAlgorithms.ES256, "EC")]
    [InlineData(SigningAlgorithms.RS256, "RSA")]
    public void SigningKeyFactory_KeyRoundTripsAndItsJwkIsPublicOnly(string algorithm, string kty)
    {
        var protector = new MasterKeyProtector(RandomNumberGenerator.GetBytes(32));
        var stored = SigningKeyFactory.Create(algorithm, SigningKeyState.Active, DateTimeOffset.UnixEpoch, protector);

        var key = SigningKeyFactory.Open(stored, protector);
        var ring = new SigningKeyRing([key]);

        Assert.Equal(kty, key.PublicJwk.Kty);
        Assert.False(key.PublicJwk.HasPrivateKey);
        Assert.Same(key, ring.ActiveFor(algorithm));
        Assert.Equal(algorithm, ring.AlgorithmOf(stored.Kid));
        Assert.DoesNotContain("\"d\"", System.Text.Encoding.UTF8.GetString(ring.JwksJson));
    }
}
