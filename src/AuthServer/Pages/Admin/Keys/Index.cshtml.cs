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

    public static string Span(TimeSpan value) =>
        value.TotalDays >= 1 && value.TotalDays == Math.Floor(value.TotalDays) ? $"{value.TotalDays:0} days"
        : value.TotalHours >= 1 ? $"{value.TotalHours:0.##} hours"
        : $"{value.TotalMinutes:0.##} minutes";
}
