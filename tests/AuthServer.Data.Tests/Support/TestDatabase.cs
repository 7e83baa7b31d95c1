using AuthServer.Data;
using AuthServer.Testing;
using Microsoft.Data.Sqlite;

namespace AuthServer.Data.Tests.Support;

/// <summary>
/// One fresh, empty database for one test: a temp SQLite file, or a new database in the shared PostgreSQL cluster.
/// Disposing deletes the SQLite file; PostgreSQL databases go with the cluster.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string? _sqliteFolder;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? sqliteFolder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteFolder = sqliteFolder;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>The SQLite file, or null on PostgreSQL.</summary>
    public string? SqliteFile => _sqliteFolder is null ? null : Path.Combine(_sqliteFolder, "authserver.db");

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, PostgresCluster cluster)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("authserver-data-tests-").FullName;
            var file = Path.Combine(folder, "authserver.db");
            return new TestDatabase(provider, new SqliteConnectionStringBuilder { DataSource = file }.ConnectionString, folder);
        }

        var name = "t_" + Guid.NewGuid().ToString("N");
        return new TestDatabase(provider, await cluster.CreateDatabaseAsync(name), null);
    }

    /// <summary>A new handle on the database (the caller disposes it).</summary>
    public AuthServerDatabase Open() => new(Provider, ConnectionString);

    public void Dispose()
    {
        if (_sqliteFolder is not null)
        {
            // Pooled connections keep the file open.
            SqliteConnection.ClearAllPools();
            Directory.Delete(_sqliteFolder, recursive: true);
        }
    }
}
