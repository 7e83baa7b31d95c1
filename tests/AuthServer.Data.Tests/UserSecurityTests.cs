using AuthServer.Data.Entities;
using AuthServer.Data.Migrations;
using AuthServer.Data.Tests.Support;
using AuthServer.Data.Users;
using AuthServer.Protocol.Users;
using AuthServer.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Data.Tests;

/// <summary>TOTP replay protection and hashed recovery codes, through Identity's UserManager, on both providers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class UserSecurityTests(PostgresCluster cluster)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 10, TimeSpan.Zero);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task TotpStepStore_AdvancesOnlyForward_AndConcurrentUseOfOneStepSucceedsOnce(DatabaseProvider provider)
    {
        await using var users = await UsersFixture.CreateAsync(provider, cluster, new FakeTimeProvider(Start));
        var user = await users.CreateUserAsync("erin");
        var store = users.Get<TotpStepStore>();

        Assert.True(await store.TryAdvanceAsync(user.Id, 100, CancellationToken.None));
        Assert.False(await store.TryAdvanceAsync(user.Id, 100, CancellationToken.None));
        Assert.False(await store.TryAdvanceAsync(user.Id, 99, CancellationToken.None));
        Assert.False(await store.TryAdvanceAsync("no-such-user", 500, CancellationToken.None));

        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.TryAdvanceAsync(user.Id, 101, CancellationToken.None))));
        Assert.Single(racing, accepted => accepted);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task VerifyTwoFactorToken_AcceptsACodeOnce_EvenAfterIdentitySavesAStaleUser(DatabaseProvider provider)
    {
        var time = new FakeTimeProvider(Start);
        await using var users = await UsersFixture.CreateAsync(provider, cluster, time);
        var user = await users.CreateUserAsync("frank");
        await using var scope = users.Scope();
        var manager = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        user = (await manager.FindByIdAsync(user.Id))!;
        await manager.ResetAuthenticatorKeyAsync(user);
        var key = Base32.Decode((await manager.GetAuthenticatorKeyAsync(user))!)!;
        var code = Totp.Compute(key, Totp.StepAt(time.GetUtcNow()));

        // A concurrent request loaded the user before this sign-in, and saves it after.
        await using var other = users.Scope();
        var otherManager = other.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var stale = (await otherManager.FindByIdAsync(user.Id))!;

        Assert.False(await manager.VerifyTwoFactorTokenAsync(user, TotpTokenProvider.Name, "000000" == code ? "111111" : "000000"));
        Assert.True(await manager.VerifyTwoFactorTokenAsync(user, manager.Options.Tokens.AuthenticatorTokenProvider, code));
        Assert.False(await manager.VerifyTwoFactorTokenAsync(user, TotpTokenProvider.Name, code));

        // Identity writes whole users back: the used step must survive the stale copy.
        Assert.Null(stale.TotpLastStep);
        stale.Email = "frank@example.test";
        Assert.True((await otherManager.UpdateAsync(stale)).Succeeded);

        Assert.Equal(Totp.StepAt(time.GetUtcNow()), (await users.LoadAsync(user.Id))!.TotpLastStep);
        Assert.False(await manager.VerifyTwoFactorTokenAsync(user, TotpTokenProvider.Name, code));

        // The next time step brings a new code, which works.
        time.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        Assert.True(await manager.VerifyTwoFactorTokenAsync(user, TotpTokenProvider.Name, Totp.Compute(key, Totp.StepAt(time.GetUtcNow()))));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RecoveryCodes_AreStoredHashed_AndEachRedeemsOnce(DatabaseProvider provider)
    {
        await using var users = await UsersFixture.CreateAsync(provider, cluster, new FakeTimeProvider(Start));
        var created = await users.CreateUserAsync("grace");
        await using var scope = users.Scope();
        var manager = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var user = (await manager.FindByIdAsync(created.Id))!;

        var codes = (await manager.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodes.Count))!.ToList();

        Assert.Equal(RecoveryCodes.Count, codes.Count);
        Assert.All(codes, c => Assert.Matches("^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$", c));
        var stored = await users.AllUserTokenValuesAsync();
        Assert.All(codes, c => Assert.DoesNotContain(stored, s => s.Contains(c, StringComparison.Ordinal) || s.Contains(c.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal)));

        Assert.True((await manager.RedeemTwoFactorRecoveryCodeAsync(user, codes[3].ToLowerInvariant())).Succeeded);
        Assert.False((await manager.RedeemTwoFactorRecoveryCodeAsync(user, codes[3])).Succeeded);
        Assert.False((await manager.RedeemTwoFactorRecoveryCodeAsync(user, "AAAA-AAAA-AAAA-AAAA")).Succeeded);
        Assert.Equal(RecoveryCodes.Count - 1, await manager.CountRecoveryCodesAsync(user));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Lockout_AfterTheConfiguredFailures_LastsTheConfiguredTimeByTheInjectedClock(DatabaseProvider provider)
    {
        var time = new FakeTimeProvider(Start);
        await using var users = await UsersFixture.CreateAsync(provider, cluster, time, o =>
        {
            o.Lockout.MaxFailedAccessAttempts = 3;
            o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        });
        var created = await users.CreateUserAsync("heidi");
        await using var scope = users.Scope();
        var manager = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var user = (await manager.FindByIdAsync(created.Id))!;

        await manager.AccessFailedAsync(user);
        await manager.AccessFailedAsync(user);
        Assert.False(await manager.IsLockedOutAsync(user));
        await manager.AccessFailedAsync(user);

        Assert.True(await manager.IsLockedOutAsync(user));
        Assert.Equal(Start.AddMinutes(15), (await users.LoadAsync(user.Id))!.LockoutEnd);
        time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.True(await manager.IsLockedOutAsync(user));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await manager.IsLockedOutAsync(user));
        Assert.Equal(0, await manager.GetAccessFailedCountAsync(user));
    }

    /// <summary>A migrated database of one provider with Identity wired as the server wires it.</summary>
    private sealed class UsersFixture : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly ServiceProvider _services;

        private UsersFixture(TestDatabase database, ServiceProvider services)
        {
            _database = database;
            _services = services;
        }

        public static async Task<UsersFixture> CreateAsync(
            DatabaseProvider provider, PostgresCluster cluster, TimeProvider time, Action<IdentityOptions>? configure = null)
        {
            var database = await TestDatabase.CreateAsync(provider, cluster);
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(time);
            services.AddSingleton(_ => database.Open());
            services.AddAuthServerIdentity(configure ?? (_ => { }));
            var provider_ = services.BuildServiceProvider();
            await new MigrationRunner(provider_.GetRequiredService<AuthServerDatabase>(), time).MigrateAsync(CancellationToken.None);
            return new UsersFixture(database, provider_);
        }

        public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

        public AsyncServiceScope Scope() => _services.CreateAsyncScope();

        public async Task<UserEntity> CreateUserAsync(string name)
        {
            await using var scope = Scope();
            var user = new UserEntity { UserName = name };
            var result = await scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>().CreateAsync(user, "Long-enough-passw0rd");
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
            return user;
        }

        public async Task<UserEntity?> LoadAsync(string id)
        {
            await using var db = Get<AuthServerDatabase>().CreateContext();
            return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id);
        }

        public async Task<List<string>> AllUserTokenValuesAsync()
        {
            await using var db = Get<AuthServerDatabase>().CreateContext();
            return await db.UserTokens.Select(t => t.Value ?? "").ToListAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            _database.Dispose();
        }
    }
}
