using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Resources;

/// <summary>/admin/resources/delete?kind=api|scope&amp;name=NAME: says what deleting does, then deletes on POST.</summary>
public sealed class DeleteModel(ResourceAdministration admin) : ResourcePageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty(SupportsGet = true, Name = "name")]
    public string? ResourceName { get; set; }

    public string What => Kind == "api" ? "API" : "scope";

    public async Task<IActionResult> OnGetAsync()
    {
        if (ResourceName is null || Kind is not ("api" or "scope"))
        {
            return NotFound();
        }

        var ct = HttpContext.RequestAborted;
        var builtIn = Kind == "api" ? (await admin.GetApiAsync(ResourceName, ct))?.BuiltIn : (await admin.GetScopeAsync(ResourceName, ct))?.BuiltIn;
        if (builtIn is null)
        {
            return NotFound();
        }

        if (builtIn == true)
        {
            Error = $"'{ResourceName}' is built in; it cannot be deleted.";
            Response.StatusCode = StatusCodes.Status409Conflict;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (ResourceName is null || Kind is not ("api" or "scope"))
        {
            return NotFound();
        }

        var ct = HttpContext.RequestAborted;
        var result = Kind == "api"
            ? await admin.DeleteApiAsync(ResourceName, Actor, ct)
            : await admin.DeleteScopeAsync(ResourceName, Actor, ct);
        if (!result.Succeeded)
        {
            return Refused(result);
        }

        Notice = $"Deleted the {What} '{ResourceName}'.";
        return Redirect("/admin/resources");
    }
}
