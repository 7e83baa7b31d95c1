using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>/admin/clients/{clientId}/disable: confirm, then disable (the client can no longer authenticate).</summary>
public sealed class DisableModel(ClientAdministration admin) : ClientPageModel(admin)
{
    [BindProperty(SupportsGet = true)]
    public string ClientId { get; set; } = "";

    public async Task<IActionResult> OnGetAsync() =>
        await Admin.GetAsync(ClientId, HttpContext.RequestAborted) is not null ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        var change = await Admin.SetEnabledAsync(ClientId, false, Caller, HttpContext.RequestAborted);
        if (change.Outcome != ClientOutcome.Done)
        {
            return NotFound();
        }

        Notice = $"Client '{ClientId}' disabled.";
        return RedirectToPage("Edit", new { clientId = ClientId });
    }
}
