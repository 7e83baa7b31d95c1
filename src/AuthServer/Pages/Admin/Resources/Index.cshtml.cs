using AuthServer.Admin;
using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Resources;

/// <summary>/admin/resources: the APIs and the scopes, each a searchable, paged table.</summary>
public sealed class IndexModel(ResourceAdministration admin) : ResourcePageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? ApiPage { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? ScopePage { get; set; }

    public Paged<ApiView> Apis { get; private set; } = new([], 1, PageRequest.DefaultSize, 0);

    public Paged<ScopeView> Scopes { get; private set; } = new([], 1, PageRequest.DefaultSize, 0);

    /// <summary>Which APIs accept each scope (from every API, not only the page shown).</summary>
    public ILookup<string, string> AcceptedBy { get; private set; } = Array.Empty<string>().ToLookup(x => x);

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var apiPage = PageRequest.From(ApiPage, null);
        var scopePage = PageRequest.From(ScopePage, null);
        var apis = await admin.ListApisAsync(Q, apiPage.Skip, apiPage.Size, ct);
        Apis = new Paged<ApiView>(apis.Items, apiPage.Page, apiPage.Size, apis.Total);
        var scopes = await admin.ListScopesAsync(Q, scopePage.Skip, scopePage.Size, ct);
        Scopes = new Paged<ScopeView>(scopes.Items, scopePage.Page, scopePage.Size, scopes.Total);
        var all = await admin.ListApisAsync(null, 0, int.MaxValue, ct);
        AcceptedBy = all.Items.SelectMany(a => a.Scopes.Select(s => (Scope: s, Api: a.Name))).ToLookup(x => x.Scope, x => x.Api, StringComparer.Ordinal);
    }

    public string PageLink(int? apiPage, int? scopePage) =>
        $"/admin/resources?q={PageEncode(Q ?? "")}&apiPage={apiPage ?? Apis.Page}&scopePage={scopePage ?? Scopes.Page}";
}
