using System.Net;
using System.Text.Json;
using AuthServer.Validation.Tests.Infrastructure;

namespace AuthServer.Validation.Tests;

/// <summary>Opaque tokens through RFC 7662 introspection: the response checked, results cached by hash and bounded.</summary>
public sealed class IntrospectionTests
{
    private const string Opaque = "opaque-access-token-0001";

    [Fact]
    public async Task ActiveToken_IsAcceptedWithTheResponseAsClaims()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h));

        var response = await h.GetAsync("/me", Opaque);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("alice", body.GetProperty("sub").GetString());
        Assert.Equal("opaque", body.GetProperty("format").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("typ").ValueKind);
        var claims = body.GetProperty("claims").EnumerateArray().Select(c => (c[0].GetString(), c[1].GetString())).ToList();
        Assert.Contains(("scope", "orders.read"), claims);
        Assert.Contains(("scope", "profile"), claims);
        Assert.Contains(("client_id", "orders-client"), claims);
        Assert.DoesNotContain(claims, c => c.Item1 == "active");
    }

    [Fact]
    public async Task ActiveToken_RepeatedRequests_IntrospectOnce()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/orders", Opaque)).StatusCode);
        }

        Assert.Equal(1, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task InactiveToken_IsRefusedAndTheAnswerCached()
    {
        await using var h = await StartAsync();

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not active.");
        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not active.");

        Assert.Equal(1, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task CachedResult_ExpiresAfterCacheDuration()
    {
        await using var h = await StartAsync(o => o.Introspection!.CacheDuration = TimeSpan.FromSeconds(20));
        h.Authority.SetIntrospection(Opaque, Active(h));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", Opaque)).StatusCode);

        h.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", Opaque)).StatusCode);
        Assert.Equal(1, h.Authority.IntrospectionHits);

        // Revoked at AuthServer meanwhile: seen as soon as the cached answer runs out.
        h.Authority.SetIntrospection(Opaque, new { active = false });
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not active.");
        Assert.Equal(2, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task CachedResult_NeverOutlivesTheTokensExp()
    {
        await using var h = await StartAsync();
        var exp = h.Time.GetUtcNow().AddSeconds(10).ToUnixTimeSeconds();
        h.Authority.SetIntrospection(Opaque, Active(h, r => r["exp"] = exp));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", Opaque)).StatusCode);

        h.Authority.SetIntrospection(Opaque, new { active = false });
        h.Time.Advance(TimeSpan.FromSeconds(10));

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not active.");
        Assert.Equal(2, h.Authority.IntrospectionHits);
    }

    [Theory]
    [InlineData("https://api.example.com/invoices")]
    [InlineData(null)]
    public async Task ActiveToken_ForAnotherAudience_IsRefused(string? audience)
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h, r => r["aud"] = audience));

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not meant for this API.");
    }

    [Fact]
    public async Task ActiveToken_WithThisApiAmongSeveralAudiences_IsAccepted()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h, r => r["aud"] = new[] { "https://api.example.com/invoices", Tokens.Audience }));

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", Opaque)).StatusCode);
    }

    [Fact]
    public async Task ActiveToken_FromAnotherIssuer_IsRefused()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h, r => r["iss"] = "https://evil.example.com"));

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token issuer is not accepted.");
    }

    [Fact]
    public async Task ActiveToken_WithExpPastTheSkew_IsRefused()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h, r => r["exp"] = h.Time.GetUtcNow().AddSeconds(-31).ToUnixTimeSeconds()));

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token has expired.");
    }

    [Theory]
    [InlineData("""{"active":"true","sub":"alice"}""")]
    [InlineData("""{"sub":"alice"}""")]
    [InlineData("[]")]
    public async Task ResponseWithoutActiveTrue_IsInactive(string json)
    {
        await using var h = await StartAsync();
        h.Authority.IntrospectionResponses[Opaque] = json;

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is not active.");
    }

    [Fact]
    public async Task IntrospectionFailing_RefusesTheTokenAndIsNotCached()
    {
        await using var h = await StartAsync();
        h.Authority.SetIntrospection(Opaque, Active(h));
        h.Authority.IntrospectionStatus = 500;

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token could not be validated.");
        h.Authority.IntrospectionStatus = 200;
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", Opaque)).StatusCode);

        Assert.Equal(2, h.Authority.IntrospectionHits);
        Assert.Contains(h.Api.Logs.Lines, l => l.Contains("Introspection at", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Api.Logs.Lines, l => l.Contains(Opaque, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongClientSecret_RefusesTheToken()
    {
        await using var h = await StartAsync(o => o.Introspection!.ClientSecret = "wrong");
        h.Authority.SetIntrospection(Opaque, Active(h));

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token could not be validated.");
        Assert.Equal(1, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task Cache_WhenFull_DropsTheOldestEntry()
    {
        await using var h = await StartAsync(o => o.Introspection!.MaxCacheEntries = 2);
        foreach (var token in new[] { "token-a", "token-b", "token-c" })
        {
            h.Authority.SetIntrospection(token, Active(h));
            Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", token)).StatusCode);
        }

        Assert.Equal(3, h.Authority.IntrospectionHits);

        await h.GetAsync("/me", "token-c");
        Assert.Equal(3, h.Authority.IntrospectionHits);
        await h.GetAsync("/me", "token-a");
        Assert.Equal(4, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task Jwt_WithIntrospectionOn_IsStillValidatedLocally()
    {
        await using var h = await StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token(payload: p => p["aud"] = "other")), "The access token is not meant for this API.");

        Assert.Equal(0, h.Authority.IntrospectionHits);
    }

    [Fact]
    public async Task OpaqueToken_WithIntrospectionOff_IsRefusedWithoutCallingAuthServer()
    {
        await using var h = await Harness.StartAsync();

        Harness.AssertInvalidToken(await h.GetAsync("/me", Opaque), "The access token is malformed.");

        Assert.Equal(0, h.Authority.IntrospectionHits);
    }

    private static Task<Harness> StartAsync(Action<AuthServerValidationOptions>? configure = null) =>
        Harness.StartAsync(o =>
        {
            o.Introspection = new AuthServerIntrospectionOptions
            {
                ClientId = FakeAuthority.ClientId,
                ClientSecret = FakeAuthority.ClientSecret,
            };
            configure?.Invoke(o);
        });

    /// <summary>An RFC 7662 §2.2 active response as AuthServer writes it.</summary>
    private static Dictionary<string, object?> Active(Harness h, Action<Dictionary<string, object?>>? change = null)
    {
        var now = h.Time.GetUtcNow().ToUnixTimeSeconds();
        var response = new Dictionary<string, object?>
        {
            ["active"] = true,
            ["scope"] = "orders.read profile",
            ["client_id"] = "orders-client",
            ["sub"] = "alice",
            ["aud"] = Tokens.Audience,
            ["iss"] = h.Authority.Issuer,
            ["exp"] = now + 300,
            ["iat"] = now,
            ["nbf"] = now,
            ["token_type"] = "Bearer",
        };
        change?.Invoke(response);
        return response;
    }
}
