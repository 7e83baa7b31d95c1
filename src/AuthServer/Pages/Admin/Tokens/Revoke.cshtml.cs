using AuthServer.Admin;
using AuthServer.Data.Admin.Tokens;
using AuthServer.Data.Admin.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Tokens;

/// <summary>
/// /admin/tokens/revoke: says what a revocation will do, then does it on POST. One of: a token (?reference=jti), a
/// family (?family=id), or a user's grant to a client (?userName=&amp;clientId=).
/// </summary>
public sealed class RevokeModel(TokenAdministration admin) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Reference { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Family { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? UserName { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ClientId { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public TokenSummary? Token { get; private set; }

    public string? Error { get; private set; }

    public bool IsGrant => !string.IsNullOrEmpty(UserName) && !string.IsNullOrEmpty(ClientId);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(Reference))
        {
            Token = await admin.GetAsync(Reference, ct);
            return Token is null ? NotFound() : Page();
        }

        return !string.IsNullOrEmpty(Family) || IsGrant ? Page() : Redirect("/admin/tokens");
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var caller = AdminAccess.Caller(HttpContext);
        if (!string.IsNullOrEmpty(Reference))
        {
            var result = await admin.RevokeAsync(Reference, caller, ct);
            return Done(result, t => $"Revoked token {t.ShortReference} of client {t.ClientId}.", t => IndexModel.Link(t.ClientId, null));
        }

        if (!string.IsNullOrEmpty(Family))
        {
            var result = await admin.RevokeFamilyAsync(Family, caller, ct);
            return Done(result, f => $"Revoked {f.Revoked} token(s) of the family.", _ => "/admin/tokens");
        }

        if (IsGrant)
        {
            var result = await admin.RevokeGrantAsync(UserName!, ClientId!, caller, ct);
            return Done(result, g => $"Revoked {g.UserName}'s grant to {g.ClientId} and {g.TokensRevoked} token(s).", g => IndexModel.Link(null, g.UserName));
        }

        return Redirect("/admin/tokens");
    }

    /// <summary>Back to the list with a notice (PRG); or this page again saying why nothing was revoked.</summary>
    private IActionResult Done<T>(ChangeResult<T> result, Func<T, string> notice, Func<T, string> back)
    {
        if (result.Succeeded)
        {
            Notice = notice(result.Value!);
            return Redirect(back(result.Value!));
        }

        Error = result.Detail;
        return Page();
    }
}
