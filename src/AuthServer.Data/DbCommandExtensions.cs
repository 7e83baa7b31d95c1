using System.Data.Common;

namespace AuthServer.Data;

internal static class DbCommandExtensions
{
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
