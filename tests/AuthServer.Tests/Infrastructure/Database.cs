using System.Data.Common;
using AuthServer.Data;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Reads what the server stored, straight from its database.</summary>
public static class Database
{
    public static async Task<List<string>> TokenIdsAsync(AuthServerHost server) =>
        (await QueryAsync(server, "SELECT id FROM tokens")).Select(r => r[0]!).ToList();

    public static async Task<List<string>> AuditActionsAsync(AuthServerHost server, string clientId) =>
        (await QueryAsync(server, $"SELECT action FROM audit_events WHERE client_id = '{clientId}'")).Select(r => r[0]!).ToList();

    /// <summary>True when any column of any token or audit row contains the value.</summary>
    public static async Task<bool> AnyColumnContainsAsync(AuthServerHost server, string value)
    {
        foreach (var table in new[] { "tokens", "audit_events", "clients", "client_secrets", "signing_keys" })
        {
            foreach (var row in await QueryAsync(server, $"SELECT * FROM {table}"))
            {
                if (row.Any(v => v?.Contains(value, StringComparison.Ordinal) == true))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public static async Task<List<string?[]>> QueryAsync(AuthServerHost server, string sql)
    {
        var database = server.Service<AuthServerDatabase>();
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => Read(reader, i)).ToArray());
        }

        return rows;
    }

    private static string? Read(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetValue(i) switch
    {
        byte[] bytes => Convert.ToBase64String(bytes),
        string[] values => string.Join(' ', values),
        var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
    };
}
