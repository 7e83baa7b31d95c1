using System.Net;
using System.Text.Json;
using AuthServer.Validation.Tests.Infrastructure;

namespace AuthServer.Validation.Tests;

/// <summary>RFC 9068 JWT access tokens: what is accepted, and each rule that refuses one.</summary>
public sealed class JwtAccessTokenTests
{
    [Theory]
    [InlineData("ec")]
    [InlineData("rsa")]
    public async Task ValidToken_WithEitherPublishedKey_IsAccepted(string keyType)
    {
        await using var h = await Harness.StartAsync();
        var key = keyType == "ec" ? TestKey.Es256 : TestKey.Rs256;

        var response = await h.GetAsync("/me", h.Token(key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ValidToken_BecomesClaims_ScopeSplitActKeptAsJsonSubAsName()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(payload: p =>
        {
            p["aud"] = new[] { "https://api.example.com/other", Tokens.Audience };
            p["act"] = new Dictionary<string, object> { ["sub"] = "gateway" };
        });

        var body = await ReadJsonAsync(await h.GetAsync("/me", token));

        Assert.Equal("alice", body.GetProperty("sub").GetString());
        Assert.Equal("jwt", body.GetProperty("format").GetString());
        Assert.Equal("at+jwt", body.GetProperty("typ").GetString());
        var claims = body.GetProperty("claims").EnumerateArray()
            .Select(c => (Type: c[0].GetString(), Value: c[1].GetString(), ValueType: c[2].GetString())).ToList();
        Assert.Equal(["orders.read", "profile"], claims.Where(c => c.Type == "scope").Select(c => c.Value));
        Assert.Equal(["https://api.example.com/other", Tokens.Audience], claims.Where(c => c.Type == "aud").Select(c => c.Value));
        Assert.Contains(("act", """{"sub":"gateway"}""", "JSON"), claims);
        Assert.Contains(("client_id", "orders-client", "http://www.w3.org/2001/XMLSchema#string"), claims);
        Assert.Contains(claims, c => c.Type == "exp" && c.ValueType == "http://www.w3.org/2001/XMLSchema#integer64");
    }

    [Theory]
    [InlineData("application/at+jwt")]
    [InlineData("AT+JWT")]
    public async Task Typ_InOtherAllowedSpelling_IsAccepted(string typ)
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(header: x => x["typ"] = typ));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData(null)]
    [InlineData("id_token+jwt")]
    public async Task Typ_NotAtJwt_IsRefused(string? typ)
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(header: x => x["typ"] = typ));

        Harness.AssertInvalidToken(response, "The access token is not of type at+jwt.");
    }

    [Fact]
    public async Task Issuer_NotTheAuthority_IsRefused()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(payload: p => p["iss"] = "https://evil.example.com"));

        Harness.AssertInvalidToken(response, "The access token issuer is not accepted.");
    }

    [Theory]
    [InlineData("https://api.example.com/invoices")]
    [InlineData("https://api.example.com/orders/")]
    [InlineData(null)]
    public async Task Audience_NotThisApi_IsRefused(string? audience)
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(payload: p => p["aud"] = audience));

        Harness.AssertInvalidToken(response, "The access token is not meant for this API.");
    }

    [Fact]
    public async Task Expired_BeyondClockSkew_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(payload: p => p["exp"] = h.Time.GetUtcNow().AddSeconds(-31).ToUnixTimeSeconds());

        Harness.AssertInvalidToken(await h.GetAsync("/me", token), "The access token has expired.");
    }

    [Fact]
    public async Task Expired_WithinClockSkew_IsAccepted()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(payload: p => p["exp"] = h.Time.GetUtcNow().AddSeconds(-29).ToUnixTimeSeconds());

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", token)).StatusCode);
    }

    [Fact]
    public async Task ValidToken_ExpiresWhenTheClockPassesExpPlusSkew()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", token)).StatusCode);

        h.Time.Advance(TimeSpan.FromSeconds(300 + 30));

        Harness.AssertInvalidToken(await h.GetAsync("/me", token), "The access token has expired.");
    }

    [Fact]
    public async Task ClockSkew_Configured_IsTheToleranceUsed()
    {
        await using var h = await Harness.StartAsync(o => o.ClockSkew = TimeSpan.Zero);
        var token = h.Token(payload: p => p["exp"] = h.Time.GetUtcNow().AddSeconds(-1).ToUnixTimeSeconds());

        Harness.AssertInvalidToken(await h.GetAsync("/me", token), "The access token has expired.");
    }

    [Fact]
    public async Task NotBefore_BeyondClockSkew_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(payload: p => p["nbf"] = h.Time.GetUtcNow().AddSeconds(31).ToUnixTimeSeconds());

        Harness.AssertInvalidToken(await h.GetAsync("/me", token), "The access token is not yet valid.");
    }

    [Fact]
    public async Task NotBefore_WithinClockSkew_IsAccepted()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(payload: p => p["nbf"] = h.Time.GetUtcNow().AddSeconds(29).ToUnixTimeSeconds());

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", token)).StatusCode);
    }

    [Fact]
    public async Task Exp_Missing_IsRefused()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(payload: p => p["exp"] = null));

        Harness.AssertInvalidToken(response, "The access token is malformed.");
    }

    [Fact]
    public async Task Signature_Altered_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var token = h.Token(TestKey.Rs256);
        var i = token.LastIndexOf('.') + 10;
        var tampered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];

        Harness.AssertInvalidToken(await h.GetAsync("/me", tampered), "The signature is invalid.");
    }

    [Fact]
    public async Task Payload_ChangedAfterSigning_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var parts = h.Token().Split('.');
        var payload = Tokens.Payload(h.Authority.Issuer, h.Time);
        payload["scope"] = "orders.read orders.admin";

        var forged = $"{parts[0]}.{Tokens.Encode(payload)}.{parts[2]}";

        Harness.AssertInvalidToken(await h.GetAsync("/me", forged), "The signature is invalid.");
    }

    [Fact]
    public async Task SignedByAnUnpublishedKeyUnderAPublishedKid_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        var impostor = TestKey.Ec(TestKey.Es256.Kid);

        var response = await h.GetAsync("/me", h.Token(impostor));

        Harness.AssertInvalidToken(response, "The signature is invalid.");
    }

    [Fact]
    public async Task Kid_Missing_IsRefused()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(header: x => x["kid"] = null));

        Harness.AssertInvalidToken(response, "The signing key is unknown.");
    }

    [Fact]
    public async Task Kid_Unknown_IsRefused()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(TestKey.Ec("not-published")));

        Harness.AssertInvalidToken(response, "The signing key is unknown.");
    }

    [Fact]
    public async Task CritHeader_IsRefused()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", h.Token(header: x => x["crit"] = new[] { "exp" }));

        Harness.AssertInvalidToken(response, "The access token is malformed.");
    }

    [Theory]
    [InlineData("abc.def.ghi")]
    [InlineData("..")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.%%%.abc")]
    [InlineData("with space")]
    public async Task GarbageToken_IsRefused(string token)
    {
        await using var h = await Harness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

        var response = await h.Api.Client.SendAsync(request);

        Harness.AssertInvalidToken(response, "The access token is malformed.");
    }

    [Fact]
    public async Task Token_LongerThanTheLimit_IsRefusedBeforeParsing()
    {
        await using var h = await Harness.StartAsync();
        var valid = h.Token(payload: p => p["padding"] = new string('x', 11 * 1024));
        var large = h.Token(payload: p => p["padding"] = new string('x', 13 * 1024));

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", valid)).StatusCode);
        Harness.AssertInvalidToken(await h.GetAsync("/me", large), "The access token is too large.");
    }

    [Fact]
    public async Task NoToken_IsChallengedWithoutAnError()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/me", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, h.Authority.JwksHits);
    }

    [Fact]
    public async Task Token_IsNeverLogged()
    {
        await using var h = await Harness.StartAsync();
        var good = h.Token();
        var expired = h.Token(payload: p => p["exp"] = h.Time.GetUtcNow().AddHours(-1).ToUnixTimeSeconds());
        var unknownKid = h.Token(TestKey.Ec("unknown"));

        foreach (var token in new[] { good, expired, unknownKid })
        {
            await h.GetAsync("/me", token);
        }

        Assert.Contains(h.Api.Logs.Lines, l => l.Contains("Bearer token refused", StringComparison.Ordinal));
        foreach (var token in new[] { good, expired, unknownKid })
        {
            Assert.DoesNotContain(h.Api.Logs.Lines, l => l.Contains(token.Split('.')[2], StringComparison.Ordinal));
            Assert.DoesNotContain(h.Api.Logs.Lines, l => l.Contains(token.Split('.')[1], StringComparison.Ordinal));
        }
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
