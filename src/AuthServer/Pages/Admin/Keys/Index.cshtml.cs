using AuthServer.Admin.Keys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Keys;

/// <summary>/admin/keys: every signing key's timeline per algorithm, with rotate and revoke (each confirmed first).</summary>
public sealed class IndexModel(KeyAdministration keys) : PageModel
{
    public KeyTimelineView Timeline { get; private set; } = new([], new(default, default, default, default));

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Timeline = await keys.TimelineAsync(cancellationToken);

    public static string Date(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm") ?? "–";

    public static string Badge(string state) => state switch
    {
        "active" => "badge ok",
        "pending" => "badge",
        "retired" => "badge warn",
        _ => "badge bad",
    };

    /// <summary>"90 days", "24 hours 5 minutes": whole units, largest first.</summary>
    public static string Span(TimeSpan value)
    {
        var parts = new List<string>();
        foreach (var (amount, unit) in new[] { (value.Days, "day"), (value.Hours, "hour"), (value.Minutes, "minute") })
        {
            if (amount > 0)
            {
                parts.Add($"{amount} {unit}{(amount == 1 ? "" : "s")}");
            }
        }

        return parts.Count == 0 ? $"{value.TotalSeconds:0} seconds" : string.Join(" ", parts);
    }
}
