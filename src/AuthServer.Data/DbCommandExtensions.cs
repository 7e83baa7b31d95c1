using System.Data.Common;

namespace AuthServer.Data;

internal static class DbCommandExtensions
{
    /// <summary>
    /// An INSERT of every column in <paramref name="columns"/> ("a, b, c"), with one parameter per column named "@" +
    /// the column, to be bound with <see cref="Set"/> and executed once per row.
    /// </summary>
    public static DbCommand CreateInsert(this DbConnection connection, DbTransaction transaction, string table, string columns)
    {
        var parameters = columns.Split(", ").Select(c => "@" + c).ToArray();
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", parameters)})";
        foreach (var p in parameters)
        {
            command.AddParameter(p);
        }

        return command;
    }

    public static DbParameter AddParameter(this DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        command.Parameters.Add(p);
        return p;
    }

    public static void Set(this DbCommand command, string name, object? value) =>
        command.Parameters[name].Value = value ?? DBNull.Value;
}
