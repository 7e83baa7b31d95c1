using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
