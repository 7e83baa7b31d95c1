using System.Text;
using AuthServer.Protocol.Users;

namespace AuthServer.Protocol.Tests;

public class TotpTests
{
    // RFC 6238 Appendix B: the SHA-1 seed, and the last 6 of the 8 digits given there.
    private static readonly byte[] Rfc6238Key = Encoding.ASCII.GetBytes("12345678901234567890");

    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1111111111L, "050471")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    [InlineData(20000000000L, "353130")]
    public void Compute_Rfc6238TestVectors(long unixSeconds, string expected)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

        Assert.Equal(expected, Totp.Compute(Rfc6238Key, step));
    }

    [Fact]
    public void Match_CurrentOrAdjacentStep_ReturnsThatStep()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1234567890);
        var current = Totp.StepAt(now);

        Assert.Equal(current, Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current), now, null));
        Assert.Equal(current - 1, Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current - 1), now, null));
        Assert.Equal(current + 1, Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current + 1), now, null));
        Assert.Equal(current, Totp.Match(Rfc6238Key, "005 924", now, null));
    }

    [Fact]
    public void Match_CodeOutsideTheWindow_IsRejected()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1234567890);
        var current = Totp.StepAt(now);

        Assert.Null(Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current - 2), now, null));
        Assert.Null(Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current + 2), now, null));
    }

    [Fact]
    public void Match_StepAlreadyUsedOrEarlier_IsRejected()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1234567890);
        var current = Totp.StepAt(now);
        var code = Totp.Compute(Rfc6238Key, current);

        Assert.Null(Totp.Match(Rfc6238Key, code, now, lastAcceptedStep: current));
        Assert.Null(Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current - 1), now, lastAcceptedStep: current));
        Assert.Equal(current + 1, Totp.Match(Rfc6238Key, Totp.Compute(Rfc6238Key, current + 1), now, lastAcceptedStep: current));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("００５９２４")]
    public void Match_MalformedCode_IsRejected(string? code)
    {
        Assert.Null(Totp.Match(Rfc6238Key, code, DateTimeOffset.FromUnixTimeSeconds(1234567890), null));
    }

    [Fact]
    public void Base32_RoundTripsAndMatchesRfc4648()
    {
        // RFC 4648 §10 test vectors, without padding.
        Assert.Equal("MZXW6YTBOI", Base32.Encode("foobar"u8));
        Assert.Equal("MZXW6YQ", Base32.Encode("foob"u8));
        Assert.Equal("foobar"u8.ToArray(), Base32.Decode("mzxw 6ytb-oi======"));
        Assert.Null(Base32.Decode("MZXW1"));
        var key = Totp.NewKey();
        Assert.Equal(32, key.Length);
        Assert.Equal(20, Base32.Decode(key)!.Length);
        Assert.NotEqual(key, Totp.NewKey());
    }

    [Fact]
    public void ProvisioningUri_EscapesIssuerAndAccount()
    {
        var uri = Totp.ProvisioningUri("Auth Server", "alice@example.test", "JBSWY3DPEHPK3PXP");

        Assert.Equal("otpauth://totp/Auth%20Server:alice%40example.test?secret=JBSWY3DPEHPK3PXP&issuer=Auth%20Server&algorithm=SHA1&digits=6&period=30", uri);
    }
}
