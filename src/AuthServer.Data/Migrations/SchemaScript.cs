using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Migrations;

/// <summary>
/// The SQL that creates the EF model's schema on a provider. It is the starting point for a new migration:
/// `authserver migrations script` prints it, and the reviewer turns the difference into NNNN_name.sql.
/// </summary>
public static class SchemaScript
{
    public static string Generate(DatabaseProvider provider)
    {
        var connectionString = provider == DatabaseProvider.Sqlite
            ? "Data Source=:memory:"
            : "Host=localhost;Database=authserver";
        using var database = new AuthServerDatabase(provider, connectionString);
        using var db = database.CreateContext();
        return db.Database.GenerateCreateScript().Replace("\r\n", "\n", StringComparison.Ordinal).Trim() + "\n";
    }
}
