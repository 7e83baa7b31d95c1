using AuthServer.Admin;
using AuthServer.Data.Admin;
using AuthServer.Pages.Admin.Resources;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Claims;

/// <summary>/admin/claims: the claim types, the store's first, then the built-in OpenID Connect ones.</summary>
public sealed class IndexModel(ClaimTypeAdministration admin, ResourceAdministration resources) : ResourcePageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int? PageNumber { get; set; }

    public Paged<ClaimTypeView> Types { get; private set; } = new([], 1, PageRequest.DefaultSize, 0);

    /// <summary>Which scopes release each claim type.</summary>
    public ILookup<string, string> ReleasedBy { get; private set; } = Array.Empty<string>().ToLookup(x => x);

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var paging = PageRequest.From(PageNumber, null);
        var list = await admin.ListAsync(Q, paging.Skip, paging.Size, ct);
        Types = new Paged<ClaimTypeView>(list.Items, paging.Page, paging.Size, list.Total);
        var scopes = await resources.ListScopesAsync(null, 0, int.MaxValue, ct);
        ReleasedBy = scopes.Items.SelectMany(s => s.Claims.Select(c => (Claim: c, Scope: s.Name))).ToLookup(x => x.Claim, x => x.Scope, StringComparer.Ordinal);
    }

    public string PageLink(int page) => $"/admin/claims?q={PageEncode(Q ?? "")}&p={page}";
}
