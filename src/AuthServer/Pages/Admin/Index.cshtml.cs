using AuthServer.Admin.Overview;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin;

/// <summary>The admin overview: the last hour of issuance, failures and security events, from every node's audit log.</summary>
public sealed class IndexModel(OverviewQueries queries) : PageModel
{
    public Overview Overview { get; private set; } = null!;

    public async Task OnGetAsync() => Overview = await queries.ReadAsync(HttpContext.RequestAborted);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    public static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    public static string Badge(string outcome) => outcome switch
    {
        "success" => "badge ok",
        "detected" => "badge warn",
        _ => "badge bad",
    };

    public static string Counts(IEnumerable<NamedCount> counts) => string.Join(" · ", counts.Select(c => $"{c.Name} {c.Count}"));
}
