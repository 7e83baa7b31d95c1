using AuthServer.Admin;
using AuthServer.Data.Admin.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Users;

/// <summary>/admin/users: users by name, with search on name and email, and paging.</summary>
public sealed class IndexModel(UserAdministration admin) : PageModel
{
    [FromQuery(Name = "search")]
    public string? Search { get; set; }

    [FromQuery(Name = "page")]
    public int? PageNumber { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public Paged<UserSummary> Users { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        var request = PageRequest.From(PageNumber, PageRequest.DefaultSize);
        var list = await admin.ListAsync(Search, request.Skip, request.Size, ct);
        Users = new Paged<UserSummary>(list.Items, request.Page, request.Size, list.Total);
    }

    public string PageLink(int page) =>
        $"/admin/users?page={page}" + (string.IsNullOrWhiteSpace(Search) ? "" : $"&search={Uri.EscapeDataString(Search)}");
}
