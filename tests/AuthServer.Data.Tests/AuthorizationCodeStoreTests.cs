using AuthServer.Data.Stores;
using AuthServer.Data.Tests.Support;
using AuthServer.Protocol.Authorization;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AuthorizationCodeStoreTests(PostgresCluster cluster)
{
    private static readonly DateTimeOffset T0 = Tokens.IssuedAt;

    private static AuthorizationCode Code(string id) => new()
    {
        Id = id,
        ClientId = "web",
        Subject = "user-1",
        RedirectUri = "https://app.example/cb",
        Scopes = ["openid", "orders.read"],
        Audiences = ["https://api.example/orders"],
        CodeChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        Nonce = "n-0S6_WzA2Mj",
        AuthTime = T0.AddMinutes(-1),
        Amr = ["pwd", "mfa"],
        SessionId = "sid-1",
        FamilyId = "family-1",
        IssuedAt = T0,
        ExpiresAt = T0.AddSeconds(60),
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task TryRedeem_FirstTime_ReturnsTheBoundCode_ThenReportsAReplay(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var store = new AuthorizationCodeStore(harness.Database);
        var code = Code("code-1");
        await store.AddAsync(code, CancellationToken.None);

        var first = await store.TryRedeemAsync("code-1", T0.AddSeconds(5), CancellationToken.None);
        var second = await store.TryRedeemAsync("code-1", T0.AddSeconds(6), CancellationToken.None);

        Assert.Equal(CodeRedemption.Redeemed, first.Outcome);
        Assert.Equal(code.Scopes, first.Code!.Scopes);
        Assert.Equal(code.Amr, first.Code.Amr);
        Assert.Equal(code with { Scopes = first.Code.Scopes, Audiences = first.Code.Audiences, Amr = first.Code.Amr }, first.Code);
        Assert.Equal(CodeRedemption.AlreadyRedeemed, second.Outcome);
        Assert.Equal("family-1", second.Code!.FamilyId);
        Assert.Equal(CodeRedemption.Unknown, (await store.TryRedeemAsync("no-such-code", T0, CancellationToken.None)).Outcome);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task TryRedeem_ConcurrentRedemptions_ExactlyOneSucceeds(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var store = new AuthorizationCodeStore(harness.Database);
        await store.AddAsync(Code("code-2"), CancellationToken.None);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => store.TryRedeemAsync("code-2", T0.AddSeconds(1), CancellationToken.None))));

        Assert.Single(outcomes, o => o.Outcome == CodeRedemption.Redeemed);
        Assert.All(outcomes, o => Assert.NotEqual(CodeRedemption.Unknown, o.Outcome));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RevokeFamily_RevokesEveryActiveTokenOfTheFamilyAndNoOther(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        await harness.Store.AddAsync(Tokens.Create("a", T0, TimeSpan.FromHours(1)) with { FamilyId = "f" }, CancellationToken.None);
        await harness.Store.AddAsync(Tokens.Create("b", T0, TimeSpan.FromHours(1)) with { FamilyId = "f" }, CancellationToken.None);
        await harness.Store.AddAsync(Tokens.Create("c", T0, TimeSpan.FromHours(1)) with { FamilyId = "other" }, CancellationToken.None);

        var revoked = await harness.Store.RevokeFamilyAsync("f", T0.AddMinutes(1), CancellationToken.None);

        Assert.Equal(2, revoked);
        Assert.False((await harness.Store.FindAsync("a", CancellationToken.None))!.IsActiveAt(T0.AddMinutes(2)));
        Assert.False((await harness.Store.FindAsync("b", CancellationToken.None))!.IsActiveAt(T0.AddMinutes(2)));
        Assert.True((await harness.Store.FindAsync("c", CancellationToken.None))!.IsActiveAt(T0.AddMinutes(2)));
        Assert.Equal(0, await harness.Store.RevokeFamilyAsync("f", T0.AddMinutes(3), CancellationToken.None));
    }
}
