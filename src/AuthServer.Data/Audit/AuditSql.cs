using System.Data.Common;

namespace AuthServer.Data.Audit;

/// <summary>The audit table's insert, shared by both providers (snake_case names need no quoting).</summary>
internal static class AuditSql
{
    public const string Columns =
        "sequence, occurred_at, action, outcome, actor, client_id, subject, target, source, detail, data, previous_hash, hash";

    private static readonly string[] Parameters = Columns.Split(", ").Select(c => "@" + c).ToArray();

    public static DbCommand CreateInsert(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO audit_events ({Columns}) VALUES ({string.Join(", ", Parameters)})";
        foreach (var p in Parameters)
        {
            command.AddParameter(p);
        }

        return command;
    }

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
}
