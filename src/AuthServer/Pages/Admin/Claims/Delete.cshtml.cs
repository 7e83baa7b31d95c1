using AuthServer.Data.Admin;
using AuthServer.Pages.Admin.Resources;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Claims;

/// <summary>/admin/claims/delete?type=NAME: says what deleting does, then deletes on POST (refused while in use).</summary>
public sealed class DeleteModel(ClaimTypeAdministration admin) : ResourcePageModel
{
    [BindProperty(SupportsGet = true, Name = "type")]
    public string? TypeName { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (TypeName is null || await admin.GetAsync(TypeName, HttpContext.RequestAborted) is not { } type)
        {
            return NotFound();
        }

        if (type.BuiltIn)
        {
            Error = $"'{type.Name}' is a built-in OpenID Connect claim; it cannot be deleted.";
            Response.StatusCode = StatusCodes.Status409Conflict;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (TypeName is null)
        {
            return NotFound();
        }

        var result = await admin.DeleteAsync(TypeName, Actor, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            return Refused(result);
        }

        Notice = $"Deleted the claim type '{TypeName}'.";
        return Redirect("/admin/claims");
    }
}
