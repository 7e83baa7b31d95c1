using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>/admin/clients/{clientId}/delete: confirm, then delete the client and revoke its tokens.</summary>
public sealed class DeleteModel(ClientAdministration admin) : ClientPageModel(admin)
{
    [BindProperty(SupportsGet = true)]
    public string ClientId { get; set; } = "";

    public async Task<IActionResult> OnGetAsync() =>
        await Admin.GetAsync(ClientId, HttpContext.RequestAborted) is not null ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        var change = await Admin.DeleteAsync(ClientId, Caller, HttpContext.RequestAborted);
        if (change.Outcome != ClientOutcome.Done)
        {
            return NotFound();
        }

        Notice = $"Client '{ClientId}' deleted.";
        return RedirectToPage("Index");
    }
}
