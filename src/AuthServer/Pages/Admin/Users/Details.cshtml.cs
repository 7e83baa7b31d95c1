using System.Globalization;
using AuthServer.Admin;
using AuthServer.Data.Admin.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Users;

/// <summary>
/// /admin/users/{userName}: the user, and what an admin changes: lockout, MFA, roles, claim values. Locking and resetting
/// MFA first show what will happen (?confirm=lock or ?confirm=reset-mfa), then post.
/// </summary>
public sealed class DetailsModel(UserAdministration admin) : PageModel
{
    public const string ClaimsField = "Claims";

    [FromRoute(Name = "userName")]
    public string UserName { get; set; } = "";

    /// <summary>"lock" or "reset-mfa": show that action's confirmation.</summary>
    [FromQuery(Name = "confirm")]
    public string? Confirm { get; set; }

    /// <summary>The end of a lockout (UTC, as the datetime-local input gives it); empty locks until unlocked.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Until { get; set; }

    [BindProperty]
    public List<string> Roles { get; set; } = [];

    [BindProperty]
    public string? Claims { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public string? Error { get; private set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public UserDetails Target { get; private set; } = null!;

    public IReadOnlyList<string> AllRoles { get; private set; } = [];

    /// <summary>The lockout end the confirmation shows (null: until unlocked).</summary>
    public DateTimeOffset? LockUntil { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        Claims = UserClaimValues.ToLines(Target.Claims);
        Roles = Target.Roles.ToList();
        if (Confirm == "lock")
        {
            // An unreadable time: the lock form again, with the error beside it.
            Confirm = TryParseUntil(out var until) ? Confirm : null;
            LockUntil = until;
        }

        return Page();
    }

    public Task<IActionResult> OnPostLockAsync(CancellationToken ct)
    {
        return !TryParseUntil(out var until)
            ? ShowAsync(ct)
            : ApplyAsync(admin.LockAsync(UserName, until, AdminAccess.Caller(HttpContext), ct),
                u => u.LockoutEnd is { } end && end < DateTimeOffset.MaxValue ? $"Locked {u.UserName} until {Format(end)}." : $"Locked {u.UserName} until unlocked.", ct);
    }

    public Task<IActionResult> OnPostUnlockAsync(CancellationToken ct) =>
        ApplyAsync(admin.UnlockAsync(UserName, AdminAccess.Caller(HttpContext), ct), u => $"Unlocked {u.UserName}.", ct);

    public Task<IActionResult> OnPostResetMfaAsync(CancellationToken ct) =>
        ApplyAsync(admin.ResetMfaAsync(UserName, AdminAccess.Caller(HttpContext), ct),
            u => $"Reset MFA of {u.UserName}: they sign in with their password until they enrol an authenticator again.", ct);

    public Task<IActionResult> OnPostRolesAsync(CancellationToken ct) =>
        ApplyAsync(admin.SetRolesAsync(UserName, Roles.ToList<string?>(), AdminAccess.Caller(HttpContext), ct), u => $"Saved the roles of {u.UserName}.", ct);

    public Task<IActionResult> OnPostClaimsAsync(CancellationToken ct) =>
        ApplyAsync(admin.SetClaimLinesAsync(UserName, Claims, ClaimsField, AdminAccess.Caller(HttpContext), ct), u => $"Saved the claim values of {u.UserName}.", ct);

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    public string Path => $"/admin/users/{Uri.EscapeDataString(UserName)}";

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>After a change: back to the page with a notice (PRG), or the page again with the errors in place.</summary>
    private async Task<IActionResult> ApplyAsync(Task<ChangeResult<UserDetails>> change, Func<UserDetails, string> notice, CancellationToken ct)
    {
        var result = await change;
        switch (result.Failure)
        {
            case ChangeFailure.None:
                Notice = notice(result.Value!);
                return Redirect(Path);
            case ChangeFailure.NotFound:
                return NotFound();
            case ChangeFailure.Invalid:
                foreach (var e in result.Errors)
                {
                    var field = e.Field switch
                    {
                        "until" => nameof(Until),
                        ClaimsField => ClaimsField,
                        _ when e.Field.StartsWith("roles", StringComparison.Ordinal) => nameof(Roles),
                        _ => "",
                    };
                    Errors[field] = Errors.TryGetValue(field, out var earlier) ? $"{earlier} {e.Message}" : e.Message;
                }

                break;
            default:
                Error = result.Detail;
                break;
        }

        return await ShowAsync(ct);
    }

    /// <summary>The page again after a refused post: what the admin typed stays in the forms.</summary>
    private async Task<IActionResult> ShowAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        // What the admin typed stays in its form; the other forms show what is stored.
        Claims ??= UserClaimValues.ToLines(Target.Claims);
        if (!string.Equals(Request.Query["handler"], "Roles", StringComparison.OrdinalIgnoreCase))
        {
            Roles = Target.Roles.ToList();
        }

        Confirm = null;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (await admin.GetAsync(UserName, ct) is not { } user)
        {
            return false;
        }

        Target = user;
        UserName = user.UserName;
        AllRoles = (await admin.RoleNamesAsync(ct)).Append(UserAdministration.AdminRole)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        return true;
    }

    /// <summary>The lockout end: null for "until unlocked", else the input's time read as UTC; false (with the error beside the field) when unreadable.</summary>
    public bool TryParseUntil(out DateTimeOffset? until)
    {
        until = null;
        if (string.IsNullOrWhiteSpace(Until))
        {
            return true;
        }

        if (DateTime.TryParse(Until, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            until = new DateTimeOffset(parsed, TimeSpan.Zero);
            return true;
        }

        Errors[nameof(Until)] = "Give a date and time (UTC), or leave it empty to lock until unlocked.";
        return false;
    }
}
