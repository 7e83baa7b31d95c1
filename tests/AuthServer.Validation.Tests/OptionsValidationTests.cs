using System.Net;
using AuthServer.Testing;
using AuthServer.Validation.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AuthServer.Validation.Tests;

/// <summary>A misconfiguration stops the API at start, with a message that says what to fix.</summary>
public sealed class OptionsValidationTests
{
    private static readonly Dictionary<string, (Action<AuthServerValidationOptions> Configure, string Message)> Cases = new()
    {
        ["relative authority"] = (o => o.Authority = "auth.example.com", "Authority must be an absolute http(s) URL"),
        ["missing authority"] = (o => o.Authority = null, "Authority must be an absolute http(s) URL"),
        ["authority with query"] = (o => o.Authority = "https://auth.example.com/?tenant=a", "Authority must be an absolute http(s) URL"),
        ["ftp authority"] = (o => o.Authority = "ftp://auth.example.com", "Authority must be an absolute http(s) URL"),
        ["http authority"] = (o => o.Authority = "http://auth.example.com", "Authority must use https"),
        ["missing audience"] = (o => o.Audience = null, "Audience is required"),
        ["blank audience"] = (o => o.Audience = " ", "Audience is required"),
        ["HS256 allowed"] = (o => o.AllowedAlgorithms.Add("HS256"), "AllowedAlgorithms contains 'HS256'"),
        ["none allowed"] = (o => o.AllowedAlgorithms.Add("none"), "AllowedAlgorithms contains 'none'"),
        ["no algorithms"] = (o => o.AllowedAlgorithms.Clear(), "AllowedAlgorithms is empty"),
        ["large skew"] = (o => o.ClockSkew = TimeSpan.FromMinutes(10), "ClockSkew must be between 0 and 00:05:00"),
        ["no throttle"] = (o => o.RefreshThrottle = TimeSpan.Zero, "RefreshThrottle must be between 1 s and 1 h"),
        ["cache lifetime outside bounds"] = (o => o.MetadataCacheLifetime = TimeSpan.FromDays(2), "MetadataCacheLifetime (2.00:00:00) must lie between"),
        ["tiny token limit"] = (o => o.MaxTokenLength = 10, "MaxTokenLength must be between 1024 and 1048576"),
        ["introspection without secret"] = (o => o.Introspection = new() { ClientId = "api" }, "Introspection needs ClientId and ClientSecret"),
        ["introspection cache too long"] = (o => o.Introspection = new() { ClientId = "api", ClientSecret = "s", CacheDuration = TimeSpan.FromHours(1) }, "Introspection.CacheDuration must be between"),
        ["introspection cache empty"] = (o => o.Introspection = new() { ClientId = "api", ClientSecret = "s", MaxCacheEntries = 0 }, "Introspection.MaxCacheEntries must be between"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Misconfiguration_StopsTheApiAtStart(string name)
    {
        var (configure, message) = Cases[name];

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestApi.StartAsync("https://auth.example.com", new FakeTimeProvider(DateTimeOffset.UnixEpoch), configure));

        Assert.Contains($"AuthServer validation (scheme 'AuthServer'): {message}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://[::1]:5000/", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://auth.internal:5000", false)]
    [InlineData("https://auth.example.com/tenant-a/", true)]
    public async Task HttpAuthority_IsAllowedOnLoopbackOrWithRequireHttpsOff(string authority, bool requireHttps)
    {
        await using var api = await TestApi.StartAsync(authority, new FakeTimeProvider(DateTimeOffset.UnixEpoch),
            o => o.RequireHttps = requireHttps);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/me", token: null)).StatusCode);
    }

    [Fact]
    public async Task Defaults_AreTheDocumentedOnes()
    {
        var options = new AuthServerValidationOptions();

        Assert.True(options.RequireHttps);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(["ES256", "RS256"], options.AllowedAlgorithms.Order());
        Assert.Equal(TimeSpan.FromMinutes(5), options.MetadataCacheLifetime);
        Assert.Equal(TimeSpan.FromMinutes(1), options.MinMetadataCacheLifetime);
        Assert.Equal(TimeSpan.FromHours(24), options.MaxMetadataCacheLifetime);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RefreshThrottle);
        Assert.Equal(16 * 1024, options.MaxTokenLength);
        Assert.Equal(TimeSpan.FromSeconds(10), options.BackchannelTimeout);
        Assert.Null(options.Introspection);
        Assert.Equal(TimeSpan.FromSeconds(30), new AuthServerIntrospectionOptions().CacheDuration);
        Assert.Equal(10_000, new AuthServerIntrospectionOptions().MaxCacheEntries);
        await Task.CompletedTask;
    }
}
