using AuthServer.Admin;
using AuthServer.Data.Admin.Tokens;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Tokens;

/// <summary>
/// /admin/tokens: stored tokens of a client and/or user, newest first, each with revoke and revoke-family (both through
/// a confirmation page); for a user, their grants (consents) too. No token value or stored hash is shown.
/// </summary>
public sealed class IndexModel(TokenAdministration admin) : PageModel
{
    [FromQuery(Name = "clientId")]
    public string? ClientId { get; set; }

    /// <summary>A user name, a user id, or a client id (a client's own tokens).</summary>
    [FromQuery(Name = "subject")]
    public string? Subject { get; set; }

    [FromQuery(Name = "page")]
    public int? PageNumber { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public Paged<TokenSummary> Tokens { get; private set; } = null!;

    /// <summary>The grants of the user the subject names; null when it names no user.</summary>
    public IReadOnlyList<GrantSummary>? Grants { get; private set; }

    public bool Filtered => !string.IsNullOrWhiteSpace(ClientId) || !string.IsNullOrWhiteSpace(Subject);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var request = PageRequest.From(PageNumber, PageRequest.DefaultSize);
        var list = await admin.FindAsync(ClientId, Subject, request.Skip, request.Size, ct);
        Tokens = new Paged<TokenSummary>(list.Items, request.Page, request.Size, list.Total);
        if (!string.IsNullOrWhiteSpace(Subject))
        {
            Grants = await admin.GrantsAsync(Subject.Trim(), ct);
        }
    }

    public string PageLink(int page) => Link(ClientId, Subject, page);

    public static string Link(string? clientId, string? subject, int page = 1)
    {
        var query = new List<string>();
        if (!string.IsNullOrWhiteSpace(clientId))
        {
            query.Add("clientId=" + Uri.EscapeDataString(clientId));
        }

        if (!string.IsNullOrWhiteSpace(subject))
        {
            query.Add("subject=" + Uri.EscapeDataString(subject));
        }

        if (page > 1)
        {
            query.Add("page=" + page);
        }

        return "/admin/tokens" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
    }

    public static string Time(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    public static string Badge(string status) => status switch
    {
        "active" => "badge ok",
        "revoked" => "badge bad",
        _ => "badge warn",
    };
}
