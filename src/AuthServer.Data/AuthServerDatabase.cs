using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AuthServer.Data;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>The chosen database: hands out EF contexts for the model and plain connections for the hot paths.</summary>
public sealed class AuthServerDatabase : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource? _npgsql;

    public AuthServerDatabase(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        var builder = new DbContextOptionsBuilder<AuthServerDbContext>();
        if (provider == DatabaseProvider.Sqlite)
        {
            builder.UseSqlite(connectionString);
        }
        else
        {
            _npgsql = NpgsqlDataSource.Create(connectionString);
            builder.UseNpgsql(_npgsql);
        }

        ContextOptions = builder.Options;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public DbContextOptions<AuthServerDbContext> ContextOptions { get; }

    public AuthServerDbContext CreateContext() => new(ContextOptions);

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (_npgsql is not null)
        {
            return await _npgsql.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// After an outage: drops the pooled PostgreSQL connections (a server that restarted closed them all), so the
    /// requests after it open fresh ones instead of each finding a dead one. SQLite has nothing to drop.
    /// </summary>
    public void ClearPool() => _npgsql?.Clear();

    /// <summary>Parses the provider name used in configuration.</summary>
    public static DatabaseProvider ParseProvider(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgresql" or "postgres" or "npgsql" => DatabaseProvider.PostgreSql,
        _ => throw new ArgumentException($"Unknown database provider '{name}'. Use 'Sqlite' or 'PostgreSql'."),
    };

    public void Dispose() => _npgsql?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_npgsql is not null)
        {
            await _npgsql.DisposeAsync();
        }
    }
}
