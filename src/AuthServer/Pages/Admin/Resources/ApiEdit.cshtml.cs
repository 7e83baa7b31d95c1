using AuthServer.Data.Admin;
using AuthServer.Protocol.Keys;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Resources;

/// <summary>/admin/resources/apis/edit: a new API, or (?api=NAME) an existing one's settings. The name cannot change.</summary>
public sealed class ApiEditModel(ResourceAdministration admin) : ResourcePageModel
{
    /// <summary>The API being edited; null when creating one.</summary>
    [BindProperty(SupportsGet = true, Name = "api")]
    public string? Existing { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public List<string> Scopes { get; set; } = [];

    [BindProperty]
    public string? SigningAlgorithm { get; set; }

    // Unchecked boxes are not posted, so these must default to false (a create sets the form's defaults in OnGet).
    [BindProperty]
    public bool Enabled { get; set; }

    [BindProperty]
    public bool Internal { get; set; }

    public bool BuiltIn { get; private set; }

    public IReadOnlyList<ScopeView> AvailableScopes { get; private set; } = [];

    public static IReadOnlyList<string> Algorithms => SigningAlgorithms.All;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Existing is null)
        {
            SigningAlgorithm = SigningAlgorithms.Default;
            Enabled = true;
        }
        else if (await admin.GetApiAsync(Existing, HttpContext.RequestAborted) is { } api)
        {
            (DisplayName, Scopes, SigningAlgorithm, Enabled, Internal, BuiltIn) =
                (api.DisplayName, api.Scopes.ToList(), api.SigningAlgorithm, api.Enabled, api.Internal, api.BuiltIn);
        }
        else
        {
            return NotFound();
        }

        await LoadScopesAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var scopes = Scopes.Select(s => (string?)s).ToList();
        var result = Existing is null
            ? await admin.CreateApiAsync(new ApiCreateRequest(Name?.Trim(), DisplayName, scopes, SigningAlgorithm, Enabled, Internal), Actor, ct)
            : await admin.UpdateApiAsync(Existing, new ApiUpdateRequest(DisplayName, scopes, SigningAlgorithm, Enabled, Internal), Actor, ct);
        if (result.Succeeded)
        {
            Notice = Existing is null ? $"Created the API '{result.Value!.Name}'." : $"Saved the API '{result.Value!.Name}'.";
            return Redirect("/admin/resources");
        }

        BuiltIn = Existing is not null && (await admin.GetApiAsync(Existing, ct))?.BuiltIn == true;
        await LoadScopesAsync();
        AddErrors(result.Errors);
        return result.Errors.Count > 0 ? Page() : Refused(result);
    }

    private async Task LoadScopesAsync() =>
        AvailableScopes = (await admin.ListScopesAsync(null, 0, int.MaxValue, HttpContext.RequestAborted)).Items;
}
