using AuthServer.Data.Migrations;
using AuthServer.Data.Tests.Support;

namespace AuthServer.Data.Tests;

public sealed class SchemaScriptTests
{
    /// <summary>
    /// While 0001_initial is the only migration it must be exactly what the EF model generates: otherwise the model
    /// changed without a migration. (Once later migrations exist, the schema-equality test in MigrationRunnerTests,
    /// which applies all of them, is the check; this one then says so.)
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public void Generate_ForProvider_EqualsTheCommittedInitialMigration(DatabaseProvider provider)
    {
        var folder = Migration.FolderName(provider);
        var migrations = Migration.Load(provider);
        Assert.True(migrations.Count == 1,
            $"migrations/{folder}/ has {migrations.Count} migrations, so 0001_initial is no longer the whole schema: " +
            "this test only covers a single migration. Remove it; Migrate_EmptyDatabase_GivesExactlyTheEfModelSchema " +
            "compares the model with the result of applying all migrations.");
        var initial = migrations[0];
        Assert.Equal("0001", initial.Version);
        Assert.StartsWith("--", initial.Sql, StringComparison.Ordinal);

        // The committed file is a comment line followed by the generated script.
        var committed = initial.Sql[(initial.Sql.IndexOf('\n', StringComparison.Ordinal) + 1)..].Trim() + "\n";
        var generated = SchemaScript.Generate(provider);

        if (generated != committed)
        {
            Assert.Fail(
                $"The EF model changed: run `dotnet run --project src/AuthServer -- migrations script --provider {folder}` " +
                $"and add a new migration under migrations/{folder}/.\n" +
                $"Lines only in the committed 0001_initial.sql (-) / only in the generated script (+), numbered after its comment line:\n" +
                LineDiff.Describe(committed.Split('\n'), generated.Split('\n')));
        }
    }
}
