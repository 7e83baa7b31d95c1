using AuthServer.Data.Entities;
using AuthServer.Protocol.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Account;

/// <summary>Signing out is a POST with an antiforgery token, so no link or image on another site can do it.</summary>
public sealed class LogoutModel(SignInManager<UserEntity> signIn, IAuditSink audit, TimeProvider time) : PageModel
{
    public bool SignedIn => User.Identity?.IsAuthenticated == true;

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

        return RedirectToPage();
    }
}
