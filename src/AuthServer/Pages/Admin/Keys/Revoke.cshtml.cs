using AuthServer.Admin;
using AuthServer.Admin.Keys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Keys;

/// <summary>/admin/keys/revoke?kid=K: says what revoking this key does (more when it is the active key), then does it (POST).</summary>
public sealed class RevokeModel(KeyAdministration keys) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Kid { get; set; }

    public KeyTimelineEntry? Key { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var timeline = await keys.TimelineAsync(cancellationToken);
        Key = timeline.Keys.FirstOrDefault(k => k.Kid == Kid && k.State != "removed");
        return Key is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var changes = string.IsNullOrEmpty(Kid)
            ? []
            : await keys.RevokeAsync(Kid, AdminAccess.Caller(HttpContext), cancellationToken);
        if (changes.Count == 0)
        {
            return NotFound();
        }

        Notice = $"Key {Kid} revoked: " + string.Join("; ", changes.Select(c => $"{c.Kid}: {c.Description}")) + ". " +
            "APIs that cache the JWKS must fetch it again now.";
        return Redirect("/admin/keys");
    }
}
