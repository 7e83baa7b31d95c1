using AuthServer.Admin;
using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Resources;

/// <summary>What the catalog pages (APIs, scopes, claim types, explain) share: notices, field errors, the actor.</summary>
public abstract class ResourcePageModel : PageModel
{
    /// <summary>The message after a change, carried over the redirect (PRG).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>A refusal (a conflict) shown at the top of the page.</summary>
    public string? Error { get; protected set; }

    protected AdminCaller Actor => AdminAccess.Caller(HttpContext);

    public string? ErrorFor(string field) =>
        ModelState.TryGetValue(field, out var entry) && entry.Errors.Count > 0 ? entry.Errors[0].ErrorMessage : null;

    /// <summary>Puts each error beside its field: "scopes[1]" (the request's JSON path) is the form's "Scopes".</summary>
    protected void AddErrors(IEnumerable<ResourceError> errors)
    {
        foreach (var e in errors)
        {
            var top = e.Field.Split('[', '.')[0];
            ModelState.AddModelError(top.Length == 0 ? "" : char.ToUpperInvariant(top[0]) + top[1..], e.Message);
        }
    }

    /// <summary>The page again with why the change was refused, as 409 (or 404).</summary>
    protected IActionResult Refused<T>(ResourceResult<T> result)
    {
        Error = result.NotFound ? "It no longer exists." : result.Conflict;
        Response.StatusCode = result.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict;
        return Page();
    }

    public string PageEncode(string value) => Uri.EscapeDataString(value);
}
