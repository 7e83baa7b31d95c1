using AuthServer.Admin;
using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>/admin/clients: the clients, searchable by id or display name, a page at a time.</summary>
public sealed class IndexModel(ClientAdministration admin) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "search")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int? PageNumber { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public Paged<ClientSummary> Clients { get; private set; } = new([], 1, PageRequest.DefaultSize, 0);

    public async Task OnGetAsync()
    {
        var request = PageRequest.From(PageNumber, PageRequest.DefaultSize);
        var list = await admin.ListAsync(Search, request.Skip, request.Size, HttpContext.RequestAborted);
        Clients = new Paged<ClientSummary>(list.Items, request.Page, request.Size, list.Total);
    }
}
