using AuthServer.Admin;
using AuthServer.Admin.Keys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Keys;

/// <summary>/admin/keys/rotate?algorithm=A: says what a rotation does, then does it (POST).</summary>
public sealed class RotateModel(KeyAdministration keys) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Algorithm { get; set; }

    public KeyTimelineEntry? Active { get; private set; }

    public KeyTimelineEntry? Pending { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!KeyAdministration.IsSupported(Algorithm))
        {
            return NotFound();
        }

        var timeline = await keys.TimelineAsync(cancellationToken);
        Active = timeline.Keys.FirstOrDefault(k => k.Algorithm == Algorithm && k.State == "active");
        Pending = timeline.Keys.FirstOrDefault(k => k.Algorithm == Algorithm && k.State == "pending");
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!KeyAdministration.IsSupported(Algorithm))
        {
            return NotFound();
        }

        var changes = await keys.RotateAsync(Algorithm!, AdminAccess.Caller(HttpContext), cancellationToken);
        Notice = $"{Algorithm} rotated: " + string.Join("; ", changes.Select(c => $"{c.Kid}: {c.Description}")) + ".";
        return Redirect("/admin/keys");
    }
}
