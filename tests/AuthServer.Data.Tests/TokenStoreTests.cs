using AuthServer.Data.Tests.Support;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Tokens;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TokenStoreTests(PostgresCluster cluster)
{
    private static readonly DateTimeOffset T0 = Tokens.IssuedAt;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, AccessTokenFormat.Opaque)]
    [InlineData(DatabaseProvider.Sqlite, AccessTokenFormat.Jwt)]
    [InlineData(DatabaseProvider.PostgreSql, AccessTokenFormat.Opaque)]
    [InlineData(DatabaseProvider.PostgreSql, AccessTokenFormat.Jwt)]
    public async Task AddAsyncThenFindAsync_NewToken_ReturnsAnEqualRecord(DatabaseProvider provider, AccessTokenFormat format)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var token = Tokens.Create("tok-1", T0, TimeSpan.FromHours(1), format);

        await harness.Store.AddAsync(token, CancellationToken.None);

        Tokens.AssertEqual(token, await harness.Store.FindAsync("tok-1", CancellationToken.None));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task FindAsync_UnknownId_ReturnsNull(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        await harness.Store.AddAsync(Tokens.Create("tok-1", T0, TimeSpan.FromHours(1)), CancellationToken.None);

        Assert.Null(await harness.Store.FindAsync("no-such-token", CancellationToken.None));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RevokeAsync_ActiveToken_FlipsStatusToRevokedAtTheGivenTime(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var token = Tokens.Create("tok-1", T0, TimeSpan.FromHours(1));
        await harness.Store.AddAsync(token, CancellationToken.None);
        var revokedAt = T0.AddMinutes(10);

        Assert.True(await harness.Store.RevokeAsync("tok-1", revokedAt, CancellationToken.None));

        var found = await harness.Store.FindAsync("tok-1", CancellationToken.None);
        Tokens.AssertEqual(token with { Status = TokenStatus.Revoked, RevokedAt = revokedAt }, found);
        Assert.False(found!.IsActiveAt(T0.AddMinutes(11)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RevokeAsync_AlreadyRevokedOrUnknownToken_ReturnsFalseAndKeepsTheFirstRevocation(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var token = Tokens.Create("tok-1", T0, TimeSpan.FromHours(1));
        await harness.Store.AddAsync(token, CancellationToken.None);
        var firstRevocation = T0.AddMinutes(10);
        await harness.Store.RevokeAsync("tok-1", firstRevocation, CancellationToken.None);

        Assert.False(await harness.Store.RevokeAsync("tok-1", T0.AddMinutes(20), CancellationToken.None));
        Assert.False(await harness.Store.RevokeAsync("no-such-token", T0.AddMinutes(20), CancellationToken.None));
        Tokens.AssertEqual(
            token with { Status = TokenStatus.Revoked, RevokedAt = firstRevocation },
            await harness.Store.FindAsync("tok-1", CancellationToken.None));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task PruneAsync_ExpiredAndLiveRows_DeletesExpiredInBatchesOfAtMostBatchSizeAndKeepsLiveRows(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster);
        var now = T0.AddHours(2);
        var expired = Enumerable.Range(0, 25).Select(i => Tokens.Create($"expired-{i:00}", T0, TimeSpan.FromMinutes(30 + i))).ToList();
        var live = Enumerable.Range(0, 5).Select(i => Tokens.Create($"live-{i}", T0.AddHours(1), TimeSpan.FromHours(2))).ToList();
        await Task.WhenAll(expired.Concat(live).Select(t => harness.Store.AddAsync(t, CancellationToken.None)));

        var deleted = new List<int>();
        for (var round = 0; round < 10; round++)
        {
            var count = await harness.Store.PruneAsync(now, batchSize: 10, CancellationToken.None);
            deleted.Add(count);
            if (count == 0)
            {
                break;
            }
        }

        Assert.Equal([10, 10, 5, 0], deleted);
        Assert.Equal(5, await Tokens.CountAsync(harness.Database));
        foreach (var token in live)
        {
            Tokens.AssertEqual(token, await harness.Store.FindAsync(token.Id, CancellationToken.None));
        }

        foreach (var token in expired)
        {
            Assert.Null(await harness.Store.FindAsync(token.Id, CancellationToken.None));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task PruneAsync_RevokedToken_IsDeletedOnceItsRetentionHasPassedThoughNotYetExpired(DatabaseProvider provider)
    {
        await using var harness = await TokenStoreHarness.CreateAsync(provider, cluster, revokedRetention: TimeSpan.FromMinutes(15));
        await harness.Store.AddAsync(Tokens.Create("revoked", T0, TimeSpan.FromHours(8)), CancellationToken.None);
        await harness.Store.AddAsync(Tokens.Create("active", T0, TimeSpan.FromHours(8)), CancellationToken.None);
        await harness.Store.RevokeAsync("revoked", T0.AddMinutes(5), CancellationToken.None);

        Assert.Equal(0, await harness.Store.PruneAsync(T0.AddMinutes(19), 100, CancellationToken.None));
        Assert.Equal(1, await harness.Store.PruneAsync(T0.AddMinutes(21), 100, CancellationToken.None));

        Assert.Null(await harness.Store.FindAsync("revoked", CancellationToken.None));
        Assert.NotNull(await harness.Store.FindAsync("active", CancellationToken.None));
    }
}
