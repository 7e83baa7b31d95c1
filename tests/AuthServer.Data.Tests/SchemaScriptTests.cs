using AuthServer.Data.Migrations;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Tests;

/// <summary>
/// `authserver migrations script` is where a new migration starts. Whether the committed migrations add up to the
/// model is checked by Migrate_EmptyDatabase_GivesExactlyTheEfModelSchema, which applies all of them.
/// </summary>
public sealed class SchemaScriptTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public void Generate_ForProvider_CreatesEveryTableOfTheModel(DatabaseProvider provider)
    {
        using var database = new AuthServerDatabase(provider, provider == DatabaseProvider.Sqlite
            ? "Data Source=:memory:"
            : "Host=localhost;Database=authserver");
        using var db = database.CreateContext();
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).Distinct().ToList();

        var script = SchemaScript.Generate(provider);

        Assert.Contains("users", tables);
        Assert.All(tables, table => Assert.Matches($"CREATE TABLE \"?{table}\"? \\(", script));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public void Migrations_ForProvider_AreNumberedWithoutGapsAndSayWhatTheyDo(DatabaseProvider provider)
    {
        var migrations = Migration.Load(provider);

        Assert.Equal(
            Enumerable.Range(1, migrations.Count).Select(n => n.ToString("0000", System.Globalization.CultureInfo.InvariantCulture)),
            migrations.Select(m => m.Version));
        Assert.All(migrations, m => Assert.StartsWith($"-- {m.Version}_", m.Sql, StringComparison.Ordinal));
    }
}
