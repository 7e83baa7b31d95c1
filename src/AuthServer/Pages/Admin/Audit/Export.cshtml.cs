using AuthServer.Admin.Audit;
using AuthServer.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Audit;

/// <summary>/admin/audit/export: the filtered audit log as a JSON lines download, streamed.</summary>
public sealed class ExportModel(AuthServerDatabase database, TimeProvider time) : PageModel
{
    public async Task<IActionResult> OnGetAsync()
    {
        var (filter, _) = AuditFilterInput.FromQuery(Request.Query).Parse();
        if (filter is null)
        {
            // The page shows which filter is wrong.
            return Redirect("/admin/audit" + Request.QueryString);
        }

        await AuditExport.WriteAsync(HttpContext, database, filter, time);
        return new EmptyResult();
    }
}
