using System.Net;
using AuthServer.Validation.Tests.Infrastructure;

namespace AuthServer.Validation.Tests;

/// <summary>Discovery and JWKS: fetched once and cached, refetched for an unknown kid at most once per throttle.</summary>
public sealed class KeyRefreshTests
{
    private static readonly TimeSpan PastThrottle = TimeSpan.FromSeconds(31);

    [Fact]
    public async Task Keys_AreFetchedOnceAndCached()
    {
        await using var h = await Harness.StartAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        }

        Assert.Equal(1, h.Authority.DiscoveryHits);
        Assert.Equal(1, h.Authority.JwksHits);
    }

    [Fact]
    public async Task FloodOfUnknownKids_RefetchesAtMostOncePerThrottle()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        // Within the throttle of the first fetch: no refetch at all.
        await FloodWithUnknownKidsAsync(h, 200);
        Assert.Equal(1, h.Authority.JwksHits);

        // Past it: the whole flood shares one refetch.
        h.Time.Advance(PastThrottle);
        await FloodWithUnknownKidsAsync(h, 200);
        Assert.Equal(2, h.Authority.JwksHits);
        Assert.Equal(2, h.Authority.DiscoveryHits);

        await FloodWithUnknownKidsAsync(h, 20);
        Assert.Equal(2, h.Authority.JwksHits);

        // And once the throttle has passed again, one more.
        h.Time.Advance(PastThrottle);
        await FloodWithUnknownKidsAsync(h, 20);
        Assert.Equal(3, h.Authority.JwksHits);

        // Known keys were never affected.
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
    }

    [Fact]
    public async Task RefreshThrottle_Configured_IsTheIntervalUsed()
    {
        await using var h = await Harness.StartAsync(o => o.RefreshThrottle = TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        h.Time.Advance(PastThrottle);
        await FloodWithUnknownKidsAsync(h, 5);
        Assert.Equal(1, h.Authority.JwksHits);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        await FloodWithUnknownKidsAsync(h, 5);
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task RotatedInKey_IsPickedUpByTheUnknownKidRefetch()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        var rotated = TestKey.Ec("ec-2");
        h.Authority.Publish(TestKey.Es256, TestKey.Rs256, rotated);

        // Just after the first fetch the throttle holds the refetch back...
        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token(rotated)), "The signing key is unknown.");
        Assert.Equal(1, h.Authority.JwksHits);

        // ...and once it has passed, the new kid triggers the refetch that finds it; no cache expiry needed.
        h.Time.Advance(PastThrottle);
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token(rotated))).StatusCode);
        Assert.Equal(2, h.Authority.JwksHits);
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token(rotated))).StatusCode);
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task RotatedInKey_ConcurrentRequests_ShareOneRefetchAndAllSucceed()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        var rotated = TestKey.Ec("ec-2");
        h.Authority.Publish(TestKey.Es256, TestKey.Rs256, rotated);
        h.Time.Advance(PastThrottle);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => h.GetAsync("/me", h.Token(rotated))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task RetiredKey_IsRefusedOnceTheCacheExpires()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token(TestKey.Rs256))).StatusCode);
        h.Authority.Publish(TestKey.Es256);

        h.Time.Advance(TimeSpan.FromMinutes(5));

        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token(TestKey.Rs256)), "The signing key is unknown.");
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task CacheLifetime_FollowsMaxAge()
    {
        await using var h = await Harness.StartAsync();
        h.Authority.JwksCacheControl = "public, max-age=600";
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        h.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(1, h.Authority.JwksHits);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Theory]
    [InlineData("public, max-age=5")]
    [InlineData("no-store")]
    public async Task CacheLifetime_BelowTheMinimum_IsRaisedToIt(string cacheControl)
    {
        await using var h = await Harness.StartAsync();
        h.Authority.JwksCacheControl = cacheControl;
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        h.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(1, h.Authority.JwksHits);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task CacheLifetime_AboveTheMaximum_IsCappedToIt()
    {
        await using var h = await Harness.StartAsync(o => o.MaxMetadataCacheLifetime = TimeSpan.FromMinutes(10));
        h.Authority.JwksCacheControl = "public, max-age=86400";
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);

        Assert.Equal(2, h.Authority.JwksHits);
    }

    [Fact]
    public async Task AuthorityDown_AtFirstUse_RefusesTokensAndRetriesOnlyAfterTheThrottle()
    {
        await using var h = await Harness.StartAsync();
        h.Authority.Unavailable = true;

        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token()), "The access token could not be validated.");
        Harness.AssertInvalidToken(await h.GetAsync("/me", h.Token()), "The access token could not be validated.");
        Assert.Equal(1, h.Authority.DiscoveryHits);

        h.Authority.Unavailable = false;
        h.Time.Advance(PastThrottle);
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(2, h.Authority.DiscoveryHits);
    }

    [Fact]
    public async Task AuthorityDown_WhenTheCacheExpires_KeepsTheLastKeys()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        h.Authority.Unavailable = true;

        h.Time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/me", h.Token())).StatusCode);
        Assert.Equal(2, h.Authority.DiscoveryHits);
        Assert.Equal(1, h.Authority.JwksHits);
    }

    [Fact]
    public async Task Discovery_IssuerNotTheAuthority_RefusesEveryToken()
    {
        await using var h = await Harness.StartAsync();
        h.Authority.DiscoveryIssuer = "http://127.0.0.1:1";

        var response = await h.GetAsync("/me", h.Token(payload: p => p["iss"] = "http://127.0.0.1:1"));

        Harness.AssertInvalidToken(response, "The access token could not be validated.");
        Assert.Equal(0, h.Authority.JwksHits);
    }

    [Fact]
    public async Task Discovery_IssuerWithATrailingSlash_MatchesAndTokensMustCarryItExactly()
    {
        await using var h = await Harness.StartAsync();
        h.Authority.DiscoveryIssuer = h.Authority.Issuer + "/";

        var exact = await h.GetAsync("/me", h.Token(payload: p => p["iss"] = h.Authority.Issuer + "/"));
        var withoutSlash = await h.GetAsync("/me", h.Token());

        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
        Harness.AssertInvalidToken(withoutSlash, "The access token issuer is not accepted.");
    }

    private static async Task FloodWithUnknownKidsAsync(Harness h, int count)
    {
        var requests = Enumerable.Range(0, count)
            .Select(_ => h.GetAsync("/me", h.Token(header: x => x["kid"] = Guid.NewGuid().ToString("N"))));
        foreach (var response in await Task.WhenAll(requests))
        {
            Harness.AssertInvalidToken(response, "The signing key is unknown.");
        }
    }
}
