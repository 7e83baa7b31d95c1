using AuthServer.Protocol.Authorization;

namespace AuthServer.Protocol.Tests;

public class RedirectUriTests
{
    private const string Registered = "https://app.example.com/callback";

    [Fact]
    public void Matches_TheRegisteredStringExactly()
    {
        Assert.True(RedirectUris.Matches([Registered], Registered));
    }

    [Theory]
    [InlineData("https://APP.example.com/callback")]
    [InlineData("https://app.example.com/Callback")]
    [InlineData("https://app.example.com/callback/")]
    [InlineData("https://app.example.com/callback?x=1")]
    [InlineData("https://app.example.com/callback#x")]
    [InlineData("https://app.example.com:443/callback")]
    [InlineData("http://app.example.com/callback")]
    [InlineData("https://app.example.com/callback/../callback")]
    [InlineData("https://app.example.com/%63allback")]
    [InlineData("https://app.example.com@evil.example/callback")]
    [InlineData("https://evil.example/https://app.example.com/callback")]
    [InlineData("https://app.example.com.evil.example/callback")]
    [InlineData("https://app.example.com/callback ")]
    [InlineData(" https://app.example.com/callback")]
    [InlineData("https://app.example.com/callback\u0000")]
    [InlineData("")]
    [InlineData(null)]
    public void Matches_NearMisses_AreRefused(string? presented)
    {
        Assert.False(RedirectUris.Matches([Registered], presented));
    }

    [Theory]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", true)]
    [InlineData("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb", true)]
    [InlineData("http://[::1]/cb", "http://[::1]:51234/cb", true)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:80@evil.example/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1.evil.example/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb/extra", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:99999/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:0/cb", false)]
    [InlineData("http://localhost/cb", "http://localhost:51234/cb", false)]
    public void Matches_LoopbackIpRedirects_AcceptAnyPortAndNothingElse(string registered, string presented, bool expected)
    {
        Assert.Equal(expected, RedirectUris.Matches(registered, presented));
    }

    [Theory]
    [InlineData("https://app.example.com/callback")]
    [InlineData("http://127.0.0.1/callback")]
    [InlineData("http://localhost:3000/callback")]
    [InlineData("com.example.app:/oauth2redirect")]
    public void RegistrationError_AcceptsHttpsLoopbackAndPrivateUseSchemes(string uri)
    {
        Assert.Null(RedirectUris.RegistrationError(uri));
    }

    [Theory]
    [InlineData("http://app.example.com/callback")]
    [InlineData("https://app.example.com/callback#frag")]
    [InlineData("https://*.example.com/callback")]
    [InlineData("https://user@app.example.com/callback")]
    [InlineData("/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("myapp:/callback")]
    [InlineData("")]
    public void RegistrationError_RefusesWhatCouldLeakACode(string uri)
    {
        Assert.NotNull(RedirectUris.RegistrationError(uri));
    }
}
