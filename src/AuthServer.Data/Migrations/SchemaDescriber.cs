using System.Data.Common;

namespace AuthServer.Data.Migrations;

/// <summary>
/// A provider-neutral description of a live schema (tables, columns, keys, indexes), one line per fact,
/// sorted. Two databases with equal descriptions have the same schema.
/// </summary>
public static class SchemaDescriber
{
    private static readonly string[] Ignored = [MigrationRunner.HistoryTable, "sqlite_sequence"];

    public static async Task<IReadOnlyList<string>> DescribeAsync(AuthServerDatabase database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var lines = database.Provider == DatabaseProvider.Sqlite
            ? await DescribeSqliteAsync(connection, ct)
            : await DescribePostgresAsync(connection, ct);
        return lines.Where(l => !Ignored.Any(t => l.StartsWith(t + " ", StringComparison.Ordinal) || l.StartsWith(t + ".", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static async Task<List<string>> DescribeSqliteAsync(DbConnection c, CancellationToken ct)
    {
        var lines = new List<string>();
        var tables = await QueryAsync(c, "SELECT name FROM sqlite_master WHERE type = 'table'", ct);
        foreach (var t in tables.Select(r => r[0]))
        {
            foreach (var col in await QueryAsync(c, $"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{t}')", ct))
            {
                lines.Add($"{t}.{col[0]} {col[1]} notnull={col[2]} default={col[3]} pk={col[4]}");
            }

            foreach (var fk in await QueryAsync(c, $"SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{t}')", ct))
            {
                lines.Add($"{t} fk {fk[0]} -> {fk[1]}.{fk[2]} on delete {fk[3]}");
            }
        }

        foreach (var ix in await QueryAsync(c, "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'", ct))
        {
            lines.Add($"{ix[0]} index {ix[1]} {ix[2]}");
        }

        return lines;
    }

    private static async Task<List<string>> DescribePostgresAsync(DbConnection c, CancellationToken ct)
    {
        var lines = new List<string>();
        foreach (var col in await QueryAsync(c,
            "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, is_identity, character_maximum_length " +
            "FROM information_schema.columns WHERE table_schema = current_schema()", ct))
        {
            lines.Add($"{col[0]}.{col[1]} {col[2]}/{col[3]} nullable={col[4]} default={col[5]} identity={col[6]} max={col[7]}");
        }

        foreach (var con in await QueryAsync(c,
            "SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid) FROM pg_constraint co " +
            "JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace " +
            "WHERE n.nspname = current_schema()", ct))
        {
            lines.Add($"{con[0]} constraint {con[1]} {con[2]}");
        }

        foreach (var ix in await QueryAsync(c,
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()", ct))
        {
            lines.Add($"{ix[0]} index {ix[1]} {ix[2]}");
        }

        return lines;
    }

    private static async Task<List<string?[]>> QueryAsync(DbConnection c, string sql, CancellationToken ct)
    {
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<string?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }
}
