using AuthServer.Admin.Resources;
using AuthServer.Data;
using AuthServer.Data.Admin;
using AuthServer.Pages.Admin.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Pages.Admin.Explain;

/// <summary>
/// /admin/explain: the claims preview. A GET form (nothing changes, and a preview can be bookmarked): client, user
/// (optional), scopes and API; the result shows each token's claims and why others are not released.
/// </summary>
public sealed class IndexModel(ClaimsPreview preview, ResourceAdministration resources, AuthServerDatabase database) : ResourcePageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Client { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? UserName { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Scopes { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Api { get; set; }

    public ExplainResponse? Result { get; private set; }

    public IReadOnlyList<string> ClientIds { get; private set; } = [];

    public IReadOnlyList<ApiView> Apis { get; private set; } = [];

    public IReadOnlyList<ScopeView> AllScopes { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        await LoadChoicesAsync(ct);
        if (Client is null && Scopes is null)
        {
            return;
        }

        var (result, errors) = await preview.ExplainAsync(new ExplainRequest(Client, UserName, [Scopes], Api), ct);
        Result = result;
        AddErrors(errors.Select(e => new ResourceError(e.Field == "clientId" ? "client" : e.Field, e.Message)));
    }

    private async Task LoadChoicesAsync(CancellationToken ct)
    {
        await using (var db = database.CreateContext())
        {
            ClientIds = await db.Clients.AsNoTracking().OrderBy(c => c.ClientId).Select(c => c.ClientId).Take(1000).ToListAsync(ct);
        }

        Apis = (await resources.ListApisAsync(null, 0, int.MaxValue, ct)).Items;
        AllScopes = (await resources.ListScopesAsync(null, 0, int.MaxValue, ct)).Items;
    }
}
