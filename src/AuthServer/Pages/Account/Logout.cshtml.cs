using AuthServer.Data.Entities;
using AuthServer.Protocol.Audit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Account;

/// <summary>Signing out is a POST with an antiforgery token, so no link or image on another site can do it.</summary>
public sealed class LogoutModel(SignInManager<UserEntity> signIn, IAuditSink audit, TimeProvider time, IDataProtectionProvider protection) : PageModel
{
    public bool SignedIn => User.Identity?.IsAuthenticated == true;

    /// <summary>From /connect/endsession: where the application asked to go afterwards, protected so it cannot be altered.</summary>
    [BindProperty(SupportsGet = true)]
    public string? LogoutId { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (SignedIn)
        {
            audit.Record(new AuditEvent(time.GetUtcNow(), "logout", "success", ClientId: null,
                Subject: signIn.UserManager.GetUserId(User), Target: null, Detail: null));
            await signIn.SignOutAsync();
        }

        // The target was checked against the client's registered post-logout URIs before it was protected.
        if (!string.IsNullOrEmpty(LogoutId))
        {
            try
            {
                return Redirect(protection.CreateProtector(AuthServer.Endpoints.EndSessionEndpoint.ProtectorPurpose).Unprotect(LogoutId));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return RedirectToPage(new { LogoutId = (string?)null });
            }
        }

        return RedirectToPage();
    }
}
