using System.Globalization;
using AuthServer.Data.Audit;

namespace AuthServer.Admin.Audit;

/// <summary>
/// The audit filters as they arrive (query string of the page, the API and the export link), checked once for all:
/// a time that does not parse is a message for its field, never an exception.
/// </summary>
public sealed record AuditFilterInput(string? From, string? To, string? Action, string? Actor, string? Target, string? Outcome)
{
    public static AuditFilterInput FromQuery(IQueryCollection query) => new(
        query["from"].FirstOrDefault(), query["to"].FirstOrDefault(), query["action"].FirstOrDefault(),
        query["actor"].FirstOrDefault(), query["target"].FirstOrDefault(), query["outcome"].FirstOrDefault());

    /// <summary>The filter, or the fields that are wrong (keyed "from" / "to").</summary>
    public (AuditFilter? Filter, IReadOnlyList<(string Field, string Message)> Errors) Parse()
    {
        var errors = new List<(string, string)>();
        if (!TryParseTime(From, out var from))
        {
            errors.Add(("from", TimeMessage));
        }

        if (!TryParseTime(To, out var to))
        {
            errors.Add(("to", TimeMessage));
        }

        if (errors.Count == 0 && from is not null && to is not null && to <= from)
        {
            errors.Add(("to", "Must be later than From."));
        }

        return errors.Count > 0
            ? (null, errors)
            : (new AuditFilter(from, to, Clean(Action), Clean(Actor), Clean(Target), Clean(Outcome)), errors);
    }

    /// <summary>The same filters as a query string (for the pager and the export link), without empty ones.</summary>
    public string ToQueryString(int? page = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in new[] { ("from", From), ("to", To), ("action", Action), ("actor", Actor), ("target", Target), ("outcome", Outcome) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                pairs.Add(KeyValuePair.Create(name, (string?)value.Trim()));
            }
        }

        if (page is > 1)
        {
            pairs.Add(KeyValuePair.Create("page", (string?)page.Value.ToString(CultureInfo.InvariantCulture)));
        }

        return QueryString.Create(pairs).ToUriComponent();
    }

    public const string TimeMessage = "Give a date or time in ISO 8601, such as 2026-01-31 or 2026-01-31T18:00 (UTC unless an offset is given).";

    /// <summary>An ISO 8601 date or time (a browser's datetime-local value too); without an offset it is UTC. Empty is "no bound".</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
