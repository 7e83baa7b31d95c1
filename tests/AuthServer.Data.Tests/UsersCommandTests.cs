using AuthServer.Data.Entities;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Tests;

/// <summary>`authserver users add`, run as a process against a new database of each provider.</summary>
[Collection(PostgresCollection.Name)]
public sealed class UsersCommandTests(PostgresCluster cluster)
{
    private const string GoodPassword = "correct horse battery staple";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task UsersAdd_WithRoleAndPasswordOnStdin_CreatesTheUserWithAHashedPassword(DatabaseProvider provider)
    {
        using var database = await TestDatabase.CreateAsync(provider, cluster);

        var result = await CliRunner.RunAsync(database, ["users", "add", "alice", "--email", "alice@example.test", "--role", "admin", "--password-stdin"], GoodPassword + "\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Created user 'alice' with role admin.", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodPassword, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        using var handle = database.Open();
        await using var db = handle.CreateContext();
        var user = await db.Users.SingleAsync();
        Assert.Equal("alice", user.UserName);
        Assert.Equal("ALICE", user.NormalizedUserName);
        Assert.Equal("alice@example.test", user.Email);
        Assert.True(user.LockoutEnabled);
        Assert.False(user.TwoFactorEnabled);
        Assert.DoesNotContain(GoodPassword, user.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success,
            new PasswordHasher<UserEntity>().VerifyHashedPassword(user, user.PasswordHash!, GoodPassword));
        var role = await db.Roles.SingleAsync();
        Assert.Equal("admin", role.Name);
        Assert.Equal(user.Id, (await db.UserRoles.SingleAsync(r => r.RoleId == role.Id)).UserId);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task UsersAdd_PasswordShorterThanThePolicy_IsRefusedAndWritesNothing(DatabaseProvider provider)
    {
        using var database = await TestDatabase.CreateAsync(provider, cluster);

        var result = await CliRunner.RunAsync(database, ["users", "add", "bob", "--role", "admin", "--password-stdin"], "short pass\n");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("at least 12 characters", result.StandardError, StringComparison.Ordinal);
        using var handle = database.Open();
        await using var db = handle.CreateContext();
        Assert.Empty(await db.Users.ToListAsync());
        Assert.Empty(await db.Roles.ToListAsync());
    }

    [Fact]
    public async Task UsersAdd_NameAlreadyTaken_IsRefused()
    {
        using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        Assert.Equal(0, (await CliRunner.RunAsync(database, ["users", "add", "carol", "--password-stdin"], GoodPassword + "\n")).ExitCode);

        var result = await CliRunner.RunAsync(database, ["users", "add", "Carol", "--password-stdin"], GoodPassword + " 2\n");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("is already taken", result.StandardError, StringComparison.Ordinal);
        using var handle = database.Open();
        await using var db = handle.CreateContext();
        Assert.Single(await db.Users.ToListAsync());
    }

    [Fact]
    public async Task UsersAdd_NoTerminalAndNoPasswordStdin_IsRefused()
    {
        using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);

        var result = await CliRunner.RunAsync(database, ["users", "add", "dave"], GoodPassword + "\n");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--password-stdin", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development", 0)]
    [InlineData("Production", 2)]
    public async Task ImportTestUsers_OnlyInDevelopment(string environment, int exitCode)
    {
        using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, cluster);
        var file = Path.Combine(CliRunner.RepositoryRoot(), "examples", "test-users.json");

        // The test users' claims name claim types that the example configuration defines.
        var configuration = await CliRunner.RunAsync(
            database, ["import", Path.Combine(CliRunner.RepositoryRoot(), "examples", "authserver.json")], "");
        Assert.True(configuration.ExitCode == 0, configuration.ToString());

        var result = await CliRunner.RunAsync(database, ["import", file], "", environment);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        using var handle = database.Open();
        await using var db = handle.CreateContext();
        Assert.Equal(exitCode == 0 ? 1 : 0, await db.Users.CountAsync());
        if (exitCode != 0)
        {
            Assert.Contains("$.users: test users can only be imported in the Development environment", result.StandardError, StringComparison.Ordinal);
        }
    }
}
