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
/// The second step of signing in: a code from the authenticator app (each accepted once) or a recovery code.
/// Failures count towards the same lockout as wrong passwords.
/// </summary>
public sealed class LoginMfaModel(
    SignInManager<UserEntity> signIn, IAuditSink audit, TimeProvider time, AbuseSignals signals, AuthServerMetrics metrics)
    : PageModel
{
    public const string FailureMessage = "That code is not valid, or the account is locked for a while.";

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is null)
        {
            return LocalRedirect("/account/login");
        }

        ReturnUrl = LocalReturnUrl.OrHome(ReturnUrl);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return LocalRedirect("/account/login");
        }

        var returnUrl = LocalReturnUrl.OrHome(ReturnUrl);
        var code = (Code ?? "").Trim();
        var isAppCode = code.Replace(" ", "", StringComparison.Ordinal).All(char.IsAsciiDigit);
        var wasLockedOut = await signIn.UserManager.IsLockedOutAsync(user);
        var result = isAppCode
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(code);
        var method = isAppCode ? "otp" : "recovery_code";
        if (result.Succeeded)
        {
            Record("success", user, $"method={method}");
            return LocalRedirect(returnUrl);
        }

        var reason = result.IsLockedOut ? "locked_out" : "bad_code";
        Record("failure", user, $"method={method} reason={reason}");
        metrics.LoginFailed("mfa", reason);
        if (result.IsLockedOut && !wasLockedOut)
        {
            audit.Record(new AuditEvent(time.GetUtcNow(), "account.locked_out", "success", ClientId: null, Subject: user.Id,
                Target: null, Detail: "after=second_factor"));
        }

        signals.SignInFailed(user.UserName, RequestSource.Of(HttpContext));
        Error = FailureMessage;
        Code = null;
        ReturnUrl = returnUrl;
        return Page();
    }

    private void Record(string outcome, UserEntity user, string detail) =>
        audit.Record(new AuditEvent(time.GetUtcNow(), "login.mfa", outcome, ClientId: null, Subject: user.Id, Target: null,
            Detail: detail));
}
