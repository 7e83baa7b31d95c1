using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>/admin/clients/{clientId}/secret: confirm, then replace the secret; the new one is shown on the response only.</summary>
public sealed class SecretModel(ClientAdministration admin) : ClientPageModel(admin)
{
    [BindProperty(SupportsGet = true)]
    public string ClientId { get; set; } = "";

    public async Task<IActionResult> OnGetAsync() =>
        await Admin.GetAsync(ClientId, HttpContext.RequestAborted) is { Settings.Type: not "public" } ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        var change = await Admin.RotateSecretAsync(ClientId, Caller, HttpContext.RequestAborted);
        if (change.Outcome != ClientOutcome.Done)
        {
            return NotFound();
        }

        NewSecret = change.Secret;
        return Page();
    }
}
