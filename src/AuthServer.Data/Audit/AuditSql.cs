using System.Data.Common;

namespace AuthServer.Data.Audit;

/// <summary>The audit table's insert, shared by both providers (snake_case names need no quoting).</summary>
internal static class AuditSql
{
    public const string Columns =
        "sequence, occurred_at, action, outcome, actor, client_id, subject, target, source, detail, data, previous_hash, hash";

    public static DbCommand CreateInsert(DbConnection connection, DbTransaction transaction) =>
        connection.CreateInsert(transaction, "audit_events", Columns);

    /// <summary>Binds a sealed record: its values are already cut to the columns, so the row holds exactly what was hashed.</summary>
    public static void Bind(DbCommand command, AuditRecord r)
    {
        command.Set("@sequence", r.Sequence);
        command.Set("@occurred_at", r.OccurredAt);
        command.Set("@action", r.Action);
        command.Set("@outcome", r.Outcome);
        command.Set("@actor", r.Actor);
        command.Set("@client_id", r.ClientId);
        command.Set("@subject", r.Subject);
        command.Set("@target", r.Target);
        command.Set("@source", r.Source);
        command.Set("@detail", r.Detail);
        command.Set("@data", r.Data);
        command.Set("@previous_hash", r.PreviousHash);
        command.Set("@hash", r.Hash);
    }

    /// <summary>SELECT id and every stored column, with <paramref name="where"/> (a fixed clause, never user text).</summary>
    public static DbCommand CreateSelect(DbConnection connection, DbTransaction? transaction, string where)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT id, {Columns} FROM audit_events {where}";
        return command;
    }

    /// <summary>A row of <see cref="CreateSelect"/> as stored (a missing sequence or hash reads as 0 or empty).</summary>
    public static AuditRecord Read(DbDataReader r) => new(
        r.IsDBNull(1) ? 0 : r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4),
        Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), Text(r, 9), Text(r, 10), Text(r, 11), Text(r, 12) ?? "", Text(r, 13) ?? "");

    private static string? Text(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
