using System.Text.Json;
using AuthServer.Data.Audit;
using AuthServer.Protocol.Audit;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin;

/// <summary>What every change to the catalog does the same way: its audit event, and the duplicate-name check.</summary>
internal static class ResourceChanges
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Appends the change's one audit event in the open transaction: <c>{"before":…,"after":…}</c> of the resource
    /// (null before a create and after a delete). Catalog resources hold no secrets, so the whole view is recorded.
    /// </summary>
    public static Task AuditAsync(
        AuthServerDbContext db, TimeProvider time, AdminCaller by, string action, string target, object? before, object? after,
        CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(new { before, after }, Json);
        return AuditLog.AppendAsync(db, [new AuditEvent(time.GetUtcNow(), action, "success", Target: target, Actor: by.Actor,
            Source: by.Source, Data: data)], cancellationToken);
    }

    /// <summary>Saves a new row; a concurrent create of the same name (the unique index) becomes a conflict, not a 500.</summary>
    public static async Task<bool> TrySaveNewAsync(AuthServerDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false;
        }
    }

    public static List<string> Distinct(List<string?>? values) =>
        (values ?? []).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>A list of names for a message: quoted, comma-separated, at most ten and then how many more.</summary>
    public static string Names(IEnumerable<string> names)
    {
        var all = names.Order(StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", all.Take(10).Select(n => $"'{n}'"));
        return all.Count > 10 ? $"{shown} and {all.Count - 10} more" : shown;
    }

    public static List<T> Page<T>(IEnumerable<T> items, int skip, int take) => items.Skip(skip).Take(take).ToList();

    public static bool Matches(string? search, params string?[] fields) =>
        string.IsNullOrWhiteSpace(search) || fields.Any(f => f?.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase) == true);
}
