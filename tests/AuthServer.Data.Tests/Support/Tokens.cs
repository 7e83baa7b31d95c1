using AuthServer.Data.Migrations;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Data.Tests.Support;

public static class Tokens
{
    public static readonly DateTimeOffset IssuedAt = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static TokenRecord Create(string id, DateTimeOffset issuedAt, TimeSpan lifetime, AccessTokenFormat format = AccessTokenFormat.Opaque) => new()
    {
        Id = id,
        Jti = "jti-" + id,
        Format = format,
        ClientId = "client-a",
        Subject = "client-a",
        Scopes = ["read", "write"],
        Audiences = ["https://api.example"],
        IssuedAt = issuedAt,
        ExpiresAt = issuedAt + lifetime,
        FamilyId = "family-" + id,
    };

    /// <summary>Asserts two records are equal, comparing the scope and audience lists by their items.</summary>
    public static void AssertEqual(TokenRecord expected, TokenRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Scopes, actual.Scopes);
        Assert.Equal(expected.Audiences, actual.Audiences);
        Assert.Equal(expected, actual with { Scopes = expected.Scopes, Audiences = expected.Audiences });
    }

    public static async Task<long> CountAsync(AuthServerDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM tokens";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task MigrateAsync(AuthServerDatabase database) =>
        await new MigrationRunner(database, new FixedTimeProvider()).MigrateAsync(CancellationToken.None);
}

/// <summary>A migrated test database with a token store over it.</summary>
public sealed class TokenStoreHarness : IAsyncDisposable
{
    private readonly TestDatabase _test;

    private TokenStoreHarness(TestDatabase test, AuthServerDatabase database, TimeSpan revokedRetention)
    {
        _test = test;
        Database = database;
        Writer = new GroupCommitWriter(database);
        Store = new TokenStore(database, Writer, new TokenStoreSettings(revokedRetention));
    }

    public AuthServerDatabase Database { get; }

    public GroupCommitWriter Writer { get; }

    public TokenStore Store { get; }

    public static async Task<TokenStoreHarness> CreateAsync(
        DatabaseProvider provider, AuthServer.Testing.PostgresCluster cluster, TimeSpan? revokedRetention = null)
    {
        var test = await TestDatabase.CreateAsync(provider, cluster);
        var database = test.Open();
        await Tokens.MigrateAsync(database);
        return new TokenStoreHarness(test, database, revokedRetention ?? TimeSpan.FromDays(1));
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        await Database.DisposeAsync();
        _test.Dispose();
    }
}
