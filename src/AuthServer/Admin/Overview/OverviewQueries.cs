using System.Data.Common;
using AuthServer.Data;
using AuthServer.Protocol.Grants;
using AuthServer.Signals;

namespace AuthServer.Admin.Overview;

/// <summary>
/// Reads the overview from audit_events, which every node writes: three queries over the last hour, each bounded by
/// the occurred_at index; aggregation happens in the database, so at most (minutes × clients × grants) rows come back.
/// </summary>
public sealed class OverviewQueries(AuthServerDatabase database, GrantHandlers grants, AbuseSignals signals, TimeProvider time)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);
    public const int SecurityEventLimit = 20;

    private const string IssuanceActions = "action IN ('token.issued', 'token.exchanged') AND outcome = 'success'";

    /// <summary>What counts as a security event, in SQL (one definition for the count and the list).</summary>
    private const string SecurityFilter =
        "((action LIKE 'login.%' AND outcome <> 'success') OR action LIKE 'signal.%' OR action LIKE 'key.%' OR action LIKE 'mfa.%' OR action LIKE 'account.%'" +
        " OR action IN ('client.authentication_failed', 'refresh.reused', 'code.replayed', 'scope.denied'))";

    public async Task<Overview> ReadAsync(CancellationToken cancellationToken)
    {
        var to = time.GetUtcNow();
        var from = to - Period;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);

        var issued = await ReadIssuanceAsync(connection, from, to, cancellationToken);
        var (failures, signalCount, securityCount) = await ReadOutcomesAsync(connection, from, to, cancellationToken);
        var recent = await ReadSecurityEventsAsync(connection, from, to, cancellationToken);

        var nodeSignals = signals.Recent()
            .Where(s => s.OccurredAt >= from)
            .Select(s => new NodeSignal(s.OccurredAt, s.Signal, s.Target, s.Source, s.Count, (int)s.Window.TotalSeconds))
            .ToList();
        return new Overview(from, to,
            new OverviewTotals(issued.Sum(i => i.Count), failures.Sum(f => f.Count), signalCount, securityCount),
            Summarize(issued, i => i.Client), Summarize(issued, i => i.Grant), PerMinute(issued),
            failures, recent, nodeSignals);
    }

    private sealed record IssuedGroup(long Minute, string Client, string Grant, long Count);

    /// <summary>Issuance counted per minute, client and grant. The grant is read from the detail ("grant=... ").</summary>
    private async Task<List<IssuedGroup>> ReadIssuanceAsync(
        DbConnection connection, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var names = grants.Names;
        var arms = string.Concat(names.Select((_, i) => $" WHEN detail LIKE @g{i} THEN {i}"));
        await using var command = Command(connection, from, to,
            $"SELECT occurred_at / 60000, client_id, CASE{arms} ELSE -1 END, COUNT(*) FROM audit_events " +
            $"WHERE occurred_at >= @from AND occurred_at <= @to AND {IssuanceActions} GROUP BY 1, 2, 3");
        for (var i = 0; i < names.Count; i++)
        {
            Parameter(command, $"@g{i}", $"%grant={names[i]} %");
        }

        var rows = new List<IssuedGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var grant = Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
            rows.Add(new IssuedGroup(reader.GetInt64(0), reader.IsDBNull(1) ? "(none)" : reader.GetString(1),
                grant >= 0 ? names[grant] : "other", reader.GetInt64(3)));
        }

        return rows;
    }

    /// <summary>Failures by action; the number of signals and of security events.</summary>
    private static async Task<(List<FailureCount> Failures, long Signals, long SecurityEvents)> ReadOutcomesAsync(
        DbConnection connection, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, from, to,
            $"SELECT action, outcome, COUNT(*), MAX(CASE WHEN {SecurityFilter} THEN 1 ELSE 0 END) FROM audit_events " +
            "WHERE occurred_at >= @from AND occurred_at <= @to GROUP BY action, outcome");
        var failures = new List<FailureCount>();
        long signalCount = 0, securityCount = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (action, outcome, count) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
            if (outcome == "failure")
            {
                failures.Add(new FailureCount(action, count));
            }

            if (action.StartsWith("signal.", StringComparison.Ordinal))
            {
                signalCount += count;
            }

            if (Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) == 1)
            {
                securityCount += count;
            }
        }

        failures.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Action, b.Action));
        return (failures, signalCount, securityCount);
    }

    private static async Task<List<SecurityEvent>> ReadSecurityEventsAsync(
        DbConnection connection, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, from, to,
            "SELECT occurred_at, action, outcome, client_id, subject, target, detail, source FROM audit_events " +
            $"WHERE occurred_at >= @from AND occurred_at <= @to AND {SecurityFilter} " +
            $"ORDER BY occurred_at DESC, id DESC LIMIT {SecurityEventLimit}");
        var events = new List<SecurityEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new SecurityEvent(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1),
                reader.GetString(2), Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7)));
        }

        return events;
    }

    private static List<IssuedBy> Summarize(List<IssuedGroup> issued, Func<IssuedGroup, string> by) => issued
        .GroupBy(by, StringComparer.Ordinal)
        .Select(g => new IssuedBy(g.Key, g.Sum(i => i.Count), g.GroupBy(i => i.Minute).Max(m => m.Sum(i => i.Count))))
        .OrderByDescending(i => i.Tokens).ThenBy(i => i.Name, StringComparer.Ordinal)
        .ToList();

    private static List<IssuedInMinute> PerMinute(List<IssuedGroup> issued) => issued
        .GroupBy(i => i.Minute)
        .OrderByDescending(m => m.Key)
        .Select(m => new IssuedInMinute(DateTimeOffset.FromUnixTimeMilliseconds(m.Key * 60_000), m.Sum(i => i.Count),
            Named(m, i => i.Client), Named(m, i => i.Grant)))
        .ToList();

    private static List<NamedCount> Named(IEnumerable<IssuedGroup> minute, Func<IssuedGroup, string> by) => minute
        .GroupBy(by, StringComparer.Ordinal)
        .Select(g => new NamedCount(g.Key, g.Sum(i => i.Count)))
        .OrderByDescending(n => n.Count).ThenBy(n => n.Name, StringComparer.Ordinal)
        .ToList();

    private static DbCommand Command(DbConnection connection, DateTimeOffset from, DateTimeOffset to, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Parameter(command, "@from", from.ToUnixTimeMilliseconds());
        Parameter(command, "@to", to.ToUnixTimeMilliseconds());
        return command;
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
