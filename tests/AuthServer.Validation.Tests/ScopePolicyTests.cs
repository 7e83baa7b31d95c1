using System.Net;
using AuthServer.Validation.Tests.Infrastructure;

namespace AuthServer.Validation.Tests;

/// <summary>Policy helpers, and RFC 6750 §3.1 refusals: 401 for the token, 403 insufficient_scope for its scopes.</summary>
public sealed class ScopePolicyTests
{
    [Fact]
    public async Task RequireScope_WithTheScope_IsAllowed()
    {
        await using var h = await Harness.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await h.GetAsync("/orders", h.Token())).StatusCode);
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("orders.readonly")]
    [InlineData("ORDERS.READ")]
    [InlineData("")]
    public async Task RequireScope_WithoutTheScope_Is403InsufficientScope(string scope)
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/orders", h.Token(payload: p => p["scope"] = scope));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(
            "Bearer error=\"insufficient_scope\", error_description=\"The access token lacks a required scope.\", scope=\"orders.read\"",
            response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task RequireScope_WithSeveralScopes_NeedsAllOfThem()
    {
        await using var h = await Harness.StartAsync();

        var one = await h.GetAsync("/orders/admin", h.Token(payload: p => p["scope"] = "orders.read"));
        var both = await h.GetAsync("/orders/admin", h.Token(payload: p => p["scope"] = "orders.admin orders.read"));

        Assert.Equal(HttpStatusCode.Forbidden, one.StatusCode);
        Assert.EndsWith("scope=\"orders.read orders.admin\"", one.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
    }

    [Theory]
    [InlineData("orders.write", HttpStatusCode.OK)]
    [InlineData("orders.admin", HttpStatusCode.OK)]
    [InlineData("orders.read profile", HttpStatusCode.Forbidden)]
    public async Task RequireAnyScope_NeedsOneOfThem(string scope, HttpStatusCode expected)
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/orders/write", h.Token(payload: p => p["scope"] = scope));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task RequireClaimValue_WithAnotherValue_Is403WithoutInsufficientScope()
    {
        await using var h = await Harness.StartAsync();

        var allowed = await h.GetAsync("/orders/client", h.Token());
        var refused = await h.GetAsync("/orders/client", h.Token(payload: p => p["client_id"] = "other-client"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(refused.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task ScopePolicy_WithAnInvalidToken_Is401NotForbidden()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/orders", h.Token(payload: p => p["aud"] = "other"));

        Harness.AssertInvalidToken(response, "The access token is not meant for this API.");
    }

    [Fact]
    public async Task ScopePolicy_WithoutAToken_IsABareChallenge()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/orders", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AnonymousEndpoint_IgnoresAnInvalidToken()
    {
        await using var h = await Harness.StartAsync();

        var response = await h.GetAsync("/public", "garbage.token.here");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("quo\"te")]
    public void RequireScope_WithAnInvalidScopeValue_Throws(string scope)
    {
        var policy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder();

        Assert.Throws<ArgumentException>(() => policy.RequireScope(scope));
    }
}
