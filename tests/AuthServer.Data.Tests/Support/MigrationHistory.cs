using AuthServer.Data.Migrations;

namespace AuthServer.Data.Tests.Support;

public sealed record HistoryRow(string Version, string Name, string Checksum);

public static class MigrationHistory
{
    public static async Task<IReadOnlyList<HistoryRow>> ReadAsync(AuthServerDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT version, name, checksum FROM {MigrationRunner.HistoryTable} ORDER BY version";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<HistoryRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new HistoryRow(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    /// <summary>The history a database must have once every migration of this build is applied.</summary>
    public static IReadOnlyList<HistoryRow> Expected(DatabaseProvider provider) =>
        Migration.Load(provider).Select(m => new HistoryRow(m.Version, m.Name, m.Checksum)).ToList();

    public static async Task ExecuteAsync(AuthServerDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
