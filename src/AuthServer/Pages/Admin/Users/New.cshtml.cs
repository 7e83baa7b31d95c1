using AuthServer.Admin;
using AuthServer.Data.Admin.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Users;

/// <summary>/admin/users/new: a user with an initial password; Identity's rules, errors beside each field.</summary>
public sealed class NewModel(UserAdministration admin) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    // Never echoed back into the form, never logged: it goes to Identity's hasher only.
    [BindProperty]
    public string? Password { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = await admin.CreateAsync(new NewUser(UserName, Email, Password), AdminAccess.Caller(HttpContext), ct);
        Password = null;
        if (!result.Succeeded)
        {
            foreach (var e in result.Errors)
            {
                var field = e.Field switch { "userName" => "UserName", "email" => "Email", "password" => "Password", _ => "" };
                Errors[field] = Errors.TryGetValue(field, out var earlier) ? $"{earlier} {e.Message}" : e.Message;
            }

            return Page();
        }

        Notice = $"Created user {result.Value!.UserName}.";
        return Redirect($"/admin/users/{Uri.EscapeDataString(result.Value.UserName)}");
    }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);
}
