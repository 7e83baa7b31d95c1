using AuthServer.Data.Admin;
using AuthServer.Pages.Admin.Resources;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Claims;

/// <summary>/admin/claims/edit: a new claim type, or (?type=NAME) an existing one. Built-in ones are not editable.</summary>
public sealed class EditModel(ClaimTypeAdministration admin) : ResourcePageModel
{
    public static readonly IReadOnlyList<string> ValueTypes = ["string", "boolean", "integer", "json"];

    /// <summary>The claim type being edited; null when creating one.</summary>
    [BindProperty(SupportsGet = true, Name = "type")]
    public string? Existing { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    [BindProperty]
    public string? ValueType { get; set; }

    [BindProperty]
    public bool Sensitive { get; set; }

    public bool BuiltIn { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (Existing is null)
        {
            ValueType = "string";
            return Page();
        }

        if (await admin.GetAsync(Existing, HttpContext.RequestAborted) is not { } type)
        {
            return NotFound();
        }

        (Description, ValueType, Sensitive, BuiltIn) = (type.Description, type.ValueType, type.Sensitive, type.BuiltIn);
        if (BuiltIn)
        {
            Error = $"'{type.Name}' is a built-in OpenID Connect claim; it cannot be changed.";
            Response.StatusCode = StatusCodes.Status409Conflict;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var result = Existing is null
            ? await admin.CreateAsync(new ClaimTypeCreateRequest(Name?.Trim(), Description, ValueType, Sensitive), Actor, ct)
            : await admin.UpdateAsync(Existing, new ClaimTypeUpdateRequest(Description, ValueType, Sensitive), Actor, ct);
        if (result.Succeeded)
        {
            Notice = Existing is null ? $"Defined the claim type '{result.Value!.Name}'." : $"Saved the claim type '{result.Value!.Name}'.";
            return Redirect("/admin/claims");
        }

        AddErrors(result.Errors);
        return result.Errors.Count > 0 ? Page() : Refused(result);
    }
}
