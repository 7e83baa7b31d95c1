using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>
/// /admin/clients/{clientId}: every setting of a client, and the way to its secret, disable, enable and delete actions.
/// Enabling is a plain POST; disabling, rotating and deleting each have a confirmation page.
/// </summary>
public sealed class EditModel(ClientAdministration admin) : ClientPageModel(admin)
{
    [BindProperty(SupportsGet = true)]
    public string ClientId { get; set; } = "";

    public ClientDetails Client { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync()
    {
        if (await Admin.GetAsync(ClientId, HttpContext.RequestAborted) is not { } client)
        {
            return NotFound();
        }

        Client = client;
        Form = ClientForm.From(client);
        await LoadCatalogAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await Admin.GetAsync(ClientId, HttpContext.RequestAborted) is not { } client)
        {
            return NotFound();
        }

        Client = client;
        await LoadCatalogAsync();
        if (ReadForm() is not { } read)
        {
            return Page();
        }

        // The form does not carry "enabled": that changes only through the disable (confirmed) and enable actions.
        var settings = read with { Enabled = client.Settings.Enabled };
        var change = await Admin.UpdateAsync(ClientId, settings, Caller, HttpContext.RequestAborted);
        switch (change.Outcome)
        {
            case ClientOutcome.Done when change.Secret is not null:
                // Made confidential: it needs a secret, made now and shown on this response only.
                Client = change.Client!;
                Form = ClientForm.From(Client);
                NewSecret = change.Secret;
                return Page();
            case ClientOutcome.Done:
                Notice = "Changes saved.";
                return RedirectToPage("Edit", new { clientId = ClientId });
            case ClientOutcome.NotFound:
                return NotFound();
            default:
                ShowErrors(change, settings);
                return Page();
        }
    }

    public async Task<IActionResult> OnPostEnableAsync()
    {
        var change = await Admin.SetEnabledAsync(ClientId, true, Caller, HttpContext.RequestAborted);
        if (change.Outcome == ClientOutcome.NotFound)
        {
            return NotFound();
        }

        Notice = $"Client '{ClientId}' enabled.";
        return RedirectToPage("Edit", new { clientId = ClientId });
    }
}
