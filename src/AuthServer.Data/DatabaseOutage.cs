using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AuthServer.Data;

/// <summary>
/// Tells a database that is away (down, unreachable, locked past the busy timeout, out of connections or disk) from a
/// bug (a constraint violated, bad SQL). An outage is answered 503 temporarily_unavailable (RFC 6749 §4.1.2.1,
/// §5.2) and retried later; a bug stays a 500 server_error, so monitoring sees it as one.
/// </summary>
public static class DatabaseOutage
{
    // Primary SQLite result codes (https://www.sqlite.org/rescode.html) that mean "the database cannot be used now".
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNoMemory = 7;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteProtocol = 15;

    /// <summary>
    /// Whether <paramref name="exception"/>, or any exception it wraps (EF Core's DbUpdateException and the
    /// execution strategy's InvalidOperationException or RetryLimitExceededException wrap the driver's), is an outage.
    /// </summary>
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsOutageItself(e))
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsOutage))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOutageItself(Exception e) => e switch
    {
        // Npgsql: the server shuts down or refuses (57P01-57P03), the connection broke (08xxx), resources ran out
        // (53xxx), the server's I/O failed (58xxx); its own transient test covers the rest (serialization, deadlock).
        PostgresException p => p.IsTransient || p.SqlState.StartsWith("08", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("53", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("58", StringComparison.Ordinal),

        // Connection refused or reset, the stream ended, the pool stayed exhausted past its timeout.
        NpgsqlException n => n.IsTransient,
        SqliteException s => (s.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked or SqliteNoMemory or SqliteReadOnly
            or SqliteIoError or SqliteFull or SqliteCantOpen or SqliteProtocol,
        TimeoutException or SocketException => true,
        _ => false,
    };
}
