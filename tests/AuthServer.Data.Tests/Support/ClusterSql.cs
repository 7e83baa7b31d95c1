using System.Globalization;
using Npgsql;

namespace AuthServer.Data.Tests.Support;

/// <summary>The cluster tests' look into the shared database: signing keys, their audit trail, the key lock.</summary>
internal static class ClusterSql
{
    /// <summary>Sessions waiting (not granted) for the signing-key lock: one per node whose refresh found a change due.</summary>
    public static Task<long> KeyLockWaitersAsync(NpgsqlConnection db) => CountAsync(db,
        "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 " +
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
        $"AND ((classid::bigint << 32) | objid::bigint) = {AuthServerCluster.SigningKeyLockKey}");

    public static async Task<Dictionary<string, long>> KeysPerAlgorithmAsync(NpgsqlConnection db, string state)
    {
        await using var command = new NpgsqlCommand("SELECT algorithm, count(*) FROM signing_keys WHERE state = $1 GROUP BY algorithm", db);
        command.Parameters.AddWithValue(state);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public static async Task<List<string>> KidsAsync(NpgsqlConnection db, string state)
    {
        await using var command = new NpgsqlCommand("SELECT kid FROM signing_keys WHERE state = $1 ORDER BY kid", db);
        command.Parameters.AddWithValue(state);
        await using var reader = await command.ExecuteReaderAsync();
        var kids = new List<string>();
        while (await reader.ReadAsync())
        {
            kids.Add(reader.GetString(0));
        }

        return kids;
    }

    public static async Task<long> CountAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
