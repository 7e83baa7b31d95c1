using AuthServer.Data.Migrations;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationRunnerTests(PostgresCluster cluster)
{
    private readonly FixedTimeProvider _time = new();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_EmptyDatabase_GivesExactlyTheEfModelSchema(DatabaseProvider provider)
    {
        using var migrated = await TestDatabase.CreateAsync(provider, cluster);
        using var fromModel = await TestDatabase.CreateAsync(provider, cluster);

        await using (var database = migrated.Open())
        {
            var report = await new MigrationRunner(database, _time).MigrateAsync(CancellationToken.None);
            Assert.Equal(Migration.Load(provider).Select(m => $"{m.Version}_{m.Name}"), report.Applied);
        }

        await using var migratedDatabase = migrated.Open();
        SchemaAssert.Equal(
            await SchemaAssert.DescribeModelSchemaAsync(fromModel), "the EF model (EnsureCreated)",
            await SchemaDescriber.DescribeAsync(migratedDatabase, CancellationToken.None), "the migrated database");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_RunTwice_SecondRunAppliesNothingAndHistoryHasOneRowPerMigration(DatabaseProvider provider)
    {
        using var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var database = test.Open();
        var runner = new MigrationRunner(database, _time);
        var last = Migration.Load(provider)[^1].Version;

        var first = await runner.MigrateAsync(CancellationToken.None);
        var schemaAfterFirst = await SchemaDescriber.DescribeAsync(database, CancellationToken.None);
        var second = await runner.MigrateAsync(CancellationToken.None);

        Assert.NotEmpty(first.Applied);
        Assert.Empty(second.Applied);
        Assert.Equal(last, second.CurrentVersion);
        Assert.Equal(MigrationHistory.Expected(provider), await MigrationHistory.ReadAsync(database));
        SchemaAssert.Equal(schemaAfterFirst, "after the first run",
            await SchemaDescriber.DescribeAsync(database, CancellationToken.None), "after the second run");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_AppliedMigrationChecksumChanged_ThrowsSayingTheMigrationWasChanged(DatabaseProvider provider)
    {
        using var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var database = test.Open();
        var runner = new MigrationRunner(database, _time);
        await runner.MigrateAsync(CancellationToken.None);
        var first = Migration.Load(provider)[0];
        await MigrationHistory.ExecuteAsync(database,
            $"UPDATE {MigrationRunner.HistoryTable} SET checksum = '{new string('0', 64)}' WHERE version = '{first.Version}'");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.MigrateAsync(CancellationToken.None));

        Assert.Contains($"Migration {first.Version}_{first.Name} was changed after it was applied", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_HistoryHasUnknownNewerVersion_IsRefusedSayingANewerBuildMigratedIt(DatabaseProvider provider)
    {
        using var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var database = test.Open();
        var runner = new MigrationRunner(database, _time);
        await runner.MigrateAsync(CancellationToken.None);
        await MigrationHistory.ExecuteAsync(database,
            $"INSERT INTO {MigrationRunner.HistoryTable} (version, name, checksum, applied_at) " +
            $"VALUES ('9999', 'from_a_newer_build', '{new string('a', 64)}', '2030-01-01T00:00:00.0000000+00:00')");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.MigrateAsync(CancellationToken.None));

        Assert.Contains("migration 9999, which this build does not know", e.Message, StringComparison.Ordinal);
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_HistoryHasUnknownNewerVersion_ChangesNothing(DatabaseProvider provider)
    {
        using var test = await TestDatabase.CreateAsync(provider, cluster);
        await using var database = test.Open();
        var runner = new MigrationRunner(database, _time);
        await runner.MigrateAsync(CancellationToken.None);
        await MigrationHistory.ExecuteAsync(database,
            $"INSERT INTO {MigrationRunner.HistoryTable} (version, name, checksum, applied_at) " +
            $"VALUES ('9999', 'from_a_newer_build', '{new string('a', 64)}', '2030-01-01T00:00:00.0000000+00:00')");
        var schemaBefore = await SchemaDescriber.DescribeAsync(database, CancellationToken.None);
        var historyBefore = await MigrationHistory.ReadAsync(database);

        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.MigrateAsync(CancellationToken.None));

        Assert.Equal(historyBefore, await MigrationHistory.ReadAsync(database));
        SchemaAssert.Equal(schemaBefore, "before", await SchemaDescriber.DescribeAsync(database, CancellationToken.None), "after");
    }
}
