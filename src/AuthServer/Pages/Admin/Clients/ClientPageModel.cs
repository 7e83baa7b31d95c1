using AuthServer.Admin;
using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>What the client pages share: the service, who is acting, and the settings form with errors beside each field.</summary>
public abstract class ClientPageModel(ClientAdministration admin) : PageModel
{
    protected ClientAdministration Admin => admin;

    [BindProperty]
    public ClientForm Form { get; set; } = new();

    /// <summary>The grant types, scopes and APIs the checkbox sets offer.</summary>
    public ClientCatalog Catalog { get; private set; } = new([], [], [], []);

    /// <summary>A secret made by this request: shown on this response only, never stored in clear or put in TempData.</summary>
    public string? NewSecret { get; protected set; }

    [TempData]
    public string? Notice { get; set; }

    /// <summary>True on the create page: the client id can be typed, and the client can start disabled.</summary>
    public virtual bool IsNew => false;

    protected AdminCaller Caller => AdminAccess.Caller(HttpContext);

    /// <summary>The messages for one form field (as the form names it, e.g. "RedirectUris").</summary>
    public IEnumerable<string> ErrorsFor(string field) =>
        ModelState.TryGetValue("Form." + field, out var entry) ? entry.Errors.Select(e => e.ErrorMessage) : [];

    protected async Task LoadCatalogAsync() => Catalog = await admin.CatalogAsync(HttpContext.RequestAborted);

    /// <summary>
    /// Binding problems (a value that is not a bool, say) as errors beside their field, then the form's own checks.
    /// Returns the settings, or null when there is something to show.
    /// </summary>
    protected NewClient? ReadForm()
    {
        var (settings, errors) = Form.ToSettings();
        foreach (var (field, message) in errors)
        {
            ModelState.AddModelError("Form." + field, message);
        }

        return ModelState.IsValid ? settings : null;
    }

    /// <summary>The service's errors, keyed by JSON path, put beside the fields they are about.</summary>
    protected void ShowErrors(ClientChange change, ClientSettings settings)
    {
        foreach (var (path, message) in change.Errors ?? [])
        {
            var (field, text) = ClientForm.FieldOf(path, message, settings);
            ModelState.AddModelError("Form." + field, text);
        }
    }
}
