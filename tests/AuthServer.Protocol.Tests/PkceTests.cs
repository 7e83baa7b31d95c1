using AuthServer.Protocol.Authorization;

namespace AuthServer.Protocol.Tests;

public class PkceTests
{
    // RFC 7636 Appendix B.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    [Fact]
    public void Verify_Rfc7636AppendixB()
    {
        Assert.True(Pkce.IsValidChallenge(Challenge));
        Assert.True(Pkce.Verify(Verifier, Challenge));
    }

    [Theory]
    [InlineData("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj")]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")]
    [InlineData("short")]
    [InlineData("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk!")]
    [InlineData("")]
    [InlineData(null)]
    public void Verify_WrongOrMalformedVerifier_Fails(string? verifier)
    {
        Assert.False(Pkce.Verify(verifier, Challenge));
    }

    [Theory]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c")]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=")]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM")]
    [InlineData("")]
    [InlineData(null)]
    public void IsValidChallenge_RefusesWhatS256CannotProduce(string? challenge)
    {
        Assert.False(Pkce.IsValidChallenge(challenge));
    }

    [Fact]
    public void IsValidVerifier_EnforcesRfc7636Length()
    {
        Assert.True(Pkce.IsValidVerifier(new string('a', 43)));
        Assert.True(Pkce.IsValidVerifier(new string('~', 128)));
        Assert.False(Pkce.IsValidVerifier(new string('a', 42)));
        Assert.False(Pkce.IsValidVerifier(new string('a', 129)));
    }
}
