using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Resources;

/// <summary>
/// /admin/resources/scopes/edit: a new scope, or (?scope=NAME) an existing one's description and released claim
/// types (the scope → claim mapping), chosen from the defined claim types.
/// </summary>
public sealed class ScopeEditModel(ResourceAdministration admin, ClaimTypeAdministration claimTypes) : ResourcePageModel
{
    /// <summary>The scope being edited; null when creating one.</summary>
    [BindProperty(SupportsGet = true, Name = "scope")]
    public string? Existing { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    [BindProperty]
    public List<string> Claims { get; set; } = [];

    public IReadOnlyList<ClaimTypeView> AvailableClaimTypes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (Existing is not null)
        {
            if (await admin.GetScopeAsync(Existing, HttpContext.RequestAborted) is not { } scope)
            {
                return NotFound();
            }

            if (scope.BuiltIn && scope.CreatedAt is null)
            {
                Error = $"'{scope.Name}' is a built-in OpenID Connect scope; what it releases is fixed by the standard.";
                Response.StatusCode = StatusCodes.Status409Conflict;
            }

            (Description, Claims) = (scope.Description, scope.Claims.ToList());
        }

        await LoadClaimTypesAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var claims = Claims.Select(c => (string?)c).ToList();
        var result = Existing is null
            ? await admin.CreateScopeAsync(new ScopeCreateRequest(Name?.Trim(), Description, claims), Actor, ct)
            : await admin.UpdateScopeAsync(Existing, new ScopeUpdateRequest(Description, claims), Actor, ct);
        if (result.Succeeded)
        {
            Notice = Existing is null ? $"Created the scope '{result.Value!.Name}'." : $"Saved the scope '{result.Value!.Name}'.";
            return Redirect("/admin/resources");
        }

        await LoadClaimTypesAsync();
        AddErrors(result.Errors);
        return result.Errors.Count > 0 ? Page() : Refused(result);
    }

    private async Task LoadClaimTypesAsync() =>
        AvailableClaimTypes = (await claimTypes.ListAsync(null, 0, int.MaxValue, HttpContext.RequestAborted)).Items;
}
