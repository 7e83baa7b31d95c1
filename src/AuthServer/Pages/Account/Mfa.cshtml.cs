using System.Security.Claims;
using AuthServer.Account;
using AuthServer.Data.Entities;
using AuthServer.Protocol;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;

namespace AuthServer.Pages.Account;

/// <summary>
/// Enrol an authenticator app (QR code and the key to type in), confirm it with a code, and get ten recovery codes,
/// shown once. Turning MFA off asks for the password again.
/// </summary>
[Authorize]
public sealed class MfaModel(UserManager<UserEntity> users, SignInManager<UserEntity> signIn, IAuditSink audit, TimeProvider time, ProtocolSettings settings) : PageModel
{
    public bool Enabled { get; private set; }

    public int RecoveryCodesLeft { get; private set; }

    /// <summary>The key in groups of four, for typing into an app.</summary>
    public string? ManualKey { get; private set; }

    public string? QrCodeDataUri { get; private set; }

    /// <summary>Shown once, right after enrolment; only their hashes are stored.</summary>
    public IReadOnlyList<string>? NewRecoveryCodes { get; private set; }

    public string? Error { get; private set; }

    public string? Message { get; private set; }

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    /// <summary>Where to continue once a second factor is in place (an authorization request, say).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string ContinueUrl => LocalReturnUrl.OrHome(ReturnUrl);

    /// <summary>MFA is on, but this session was signed in without it: signing in again adds the second factor.</summary>
    public bool SessionLacksSecondFactor { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        await ShowAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostEnableAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (await users.GetTwoFactorEnabledAsync(user))
        {
            await ShowAsync(user);
            return Page();
        }

        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, Code ?? ""))
        {
            Error = "That code is not valid. Enter the 6-digit code your app shows now.";
            await ShowAsync(user);
            return Page();
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        NewRecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodes.Count))!.ToList();
        Record("mfa.enrolled", user);

        // The session now carries the second factor the user just proved (RFC 8176 "mfa").
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", "mfa")]);
        await ShowAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        // Re-authentication: a session left open on a shared computer must not be enough to remove MFA.
        var check = await signIn.CheckPasswordSignInAsync(user, Password ?? "", lockoutOnFailure: true);
        if (!check.Succeeded)
        {
            Error = "The password is not correct.";
            await ShowAsync(user);
            return Page();
        }

        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        Record("mfa.removed", user);
        Message = "Two-step sign-in is off.";
        await ShowAsync(user);
        return Page();
    }

    private async Task ShowAsync(UserEntity user)
    {
        Enabled = await users.GetTwoFactorEnabledAsync(user);
        Password = null;
        Code = null;
        ReturnUrl = ReturnUrl is null ? null : LocalReturnUrl.OrHome(ReturnUrl);
        SessionLacksSecondFactor = Enabled && NewRecoveryCodes is null && !User.HasClaim("amr", "mfa");
        if (Enabled)
        {
            RecoveryCodesLeft = await users.CountRecoveryCodesAsync(user);
            return;
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }

        ManualKey = string.Join(' ', key!.Chunk(4).Select(c => new string(c)));
        var uri = Totp.ProvisioningUri(new Uri(settings.Issuer).Authority, user.UserName ?? user.Id, key!);
        QrCodeDataUri = "data:image/png;base64," + Convert.ToBase64String(PngByteQRCodeHelper.GetQRCode(uri, QRCodeGenerator.ECCLevel.M, 5));
    }

    private void Record(string action, UserEntity user) =>
        audit.Record(new AuditEvent(time.GetUtcNow(), action, "success", ClientId: null, Subject: user.Id));
}
