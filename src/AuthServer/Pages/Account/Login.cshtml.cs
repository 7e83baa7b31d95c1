using AuthServer.Account;
using AuthServer.Data.Entities;
using AuthServer.Http;
using AuthServer.Protocol.Audit;
using AuthServer.Signals;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Account;

/// <summary>
/// Username and password. Every failure (unknown name, wrong password, locked account) gets the same message,
/// after the same password-hash work, so the page never tells whether a name exists.
/// </summary>
public sealed class LoginModel(
    SignInManager<UserEntity> signIn, IAuditSink audit, TimeProvider time, AbuseSignals signals, AuthServerMetrics metrics)
    : PageModel
{
    public const string FailureMessage = "The username or password is incorrect, or the account is locked for a while.";

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet() => ReturnUrl = ReturnUrl is null ? null : LocalReturnUrl.OrHome(ReturnUrl);

    public async Task<IActionResult> OnPostAsync()
    {
        var returnUrl = LocalReturnUrl.OrHome(ReturnUrl);
        var user = string.IsNullOrWhiteSpace(Username) ? null : await signIn.UserManager.FindByNameAsync(Username.Trim());
        if (user is null)
        {
            // The hash a real account would have cost, so timing does not tell unknown names apart.
            DecoyPassword.Verify(signIn.UserManager.PasswordHasher, Password ?? "");
            return Fail(null, "unknown_user");
        }

        var wasLockedOut = await signIn.UserManager.IsLockedOutAsync(user);
        var result = await signIn.PasswordSignInAsync(user, Password ?? "", isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            Record("login.password", "success", user, "amr=pwd");
            return LocalRedirect(returnUrl);
        }

        if (result.RequiresTwoFactor)
        {
            Record("login.password", "success", user, "next=mfa");
            return LocalRedirect($"/account/login/mfa?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        if (result.IsLockedOut && !wasLockedOut)
        {
            // This failure was the one too many: the lockout begins now (later attempts are failures with locked_out).
            Record("account.locked_out", "success", user, "after=password");
        }

        return Fail(user, result.IsLockedOut ? "locked_out" : "bad_password");
    }

    private PageResult Fail(UserEntity? user, string reason)
    {
        Record("login.password", "failure", user, $"reason={reason}");
        metrics.LoginFailed("password", reason);
        signals.SignInFailed(Username, RequestSource.Of(HttpContext));
        Error = FailureMessage;
        Password = null;
        ReturnUrl = LocalReturnUrl.OrHome(ReturnUrl);
        return Page();
    }

    private void Record(string action, string outcome, UserEntity? user, string detail) =>
        audit.Record(new AuditEvent(time.GetUtcNow(), action, outcome, ClientId: null, Subject: user?.Id,
            Target: null, Detail: detail));
}
