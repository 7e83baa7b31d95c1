using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
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

    /// <param name="loggers">The host's logging, so EF Core's and Npgsql's warnings and errors reach its logs. Parameter
    /// values are never logged: sensitive-data logging stays off (they may be secret hashes or user data).</param>
    public AuthServerDatabase(DatabaseProvider provider, string connectionString, ILoggerFactory? loggers = null)
    {
        Provider = provider;
        ConnectionString = connectionString;
        var builder = new DbContextOptionsBuilder<AuthServerDbContext>();
        if (loggers is not null)
        {
            // A client's collections (redirect URIs, scopes, APIs) are a few rows each and cached: one query is meant.
            builder.UseLoggerFactory(loggers).EnableSensitiveDataLogging(false)
                .ConfigureWarnings(w => w.Log((RelationalEventId.MultipleCollectionIncludeWarning, LogLevel.Debug)));
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            builder.UseSqlite(connectionString);
        }
        else
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            if (loggers is not null)
            {
                dataSource.UseLoggerFactory(loggers);
            }

            _npgsql = dataSource.Build();
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
