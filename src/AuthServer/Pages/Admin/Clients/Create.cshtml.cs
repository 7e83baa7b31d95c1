using AuthServer.Data.Admin;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>/admin/clients/new: a new client. A confidential client's secret is generated and shown on the response, once.</summary>
public sealed class CreateModel(ClientAdministration admin) : ClientPageModel(admin)
{
    public override bool IsNew => true;

    /// <summary>The client just created, when the response shows its secret.</summary>
    public string? CreatedId { get; private set; }

    public async Task OnGetAsync() => await LoadCatalogAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadCatalogAsync();
        if (ReadForm() is not { } settings)
        {
            return Page();
        }

        var change = await Admin.CreateAsync(settings, Caller, HttpContext.RequestAborted);
        switch (change.Outcome)
        {
            case ClientOutcome.Done when change.Secret is not null:
                CreatedId = change.Client!.ClientId;
                NewSecret = change.Secret;
                return Page();
            case ClientOutcome.Done:
                Notice = $"Client '{change.Client!.ClientId}' created.";
                return RedirectToPage("Edit", new { clientId = change.Client.ClientId });
            case ClientOutcome.Conflict:
                ModelState.AddModelError("Form.ClientId", "a client with this id already exists");
                return Page();
            default:
                ShowErrors(change, settings);
                return Page();
        }
    }
}
