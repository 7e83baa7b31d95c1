using AuthServer.Admin;
using AuthServer.Admin.Audit;
using AuthServer.Data;
using AuthServer.Data.Audit;
using AuthServer.Data.Entities;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AuthServer.Pages.Admin.Audit;

/// <summary>/admin/audit: the audit log, filtered and paged, newest first; export the filtered set; verify the chain.</summary>
public sealed class IndexModel(AuthServerDatabase database) : PageModel
{
    public AuditFilterInput Filter { get; private set; } = new(null, null, null, null, null, null);

    public IReadOnlyDictionary<string, string> Errors { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<AuditEventEntity> Entries { get; private set; } = [];

    public Paged<AuditEventEntity>? Results { get; private set; }

    public bool Filtered => Filter.ToQueryString() is { Length: > 0 };

    /// <summary>The last verification (after the POST, PRG): ok, what it found.</summary>
    [TempData]
    public string? VerifyMessage { get; set; }

    [TempData]
    public bool VerifyOk { get; set; }

    public async Task OnGetAsync(int? page, CancellationToken cancellationToken)
    {
        Filter = AuditFilterInput.FromQuery(Request.Query);
        var (filter, errors) = Filter.Parse();
        if (filter is null)
        {
            Errors = errors.ToDictionary(e => e.Field, e => e.Message);
            return;
        }

        var request = PageRequest.From(page, PageRequest.DefaultSize);
        var (items, total) = await AuditQuery.PageAsync(database, filter, request.Skip, request.Size, cancellationToken);
        Entries = items;
        Results = new Paged<AuditEventEntity>(items, request.Page, request.Size, total);
    }

    /// <summary>Verify chain: walks every entry; the result is shown on the page it redirects back to.</summary>
    public async Task<IActionResult> OnPostVerifyAsync(string? expectHead, CancellationToken cancellationToken)
    {
        var back = "/admin/audit" + new AuditFilterInput(Request.Form["from"], Request.Form["to"], Request.Form["action"],
            Request.Form["actor"], Request.Form["target"], Request.Form["outcome"]).ToQueryString();
        AuditCheckpoint? checkpoint = null;
        if (!string.IsNullOrWhiteSpace(expectHead) && !AuditCheckpoint.TryParse(expectHead, out checkpoint))
        {
            VerifyOk = false;
            VerifyMessage = "The expected head must be sequence:hash, the hash being 64 hex digits (as a previous verification showed it).";
            return Redirect(back);
        }

        var result = await AuditVerifier.VerifyAsync(database, checkpoint, cancellationToken);
        VerifyOk = result.Ok;
        VerifyMessage = result switch
        {
            { Problem: { } p } => $"Chain broken{(p.Sequence is { } at ? $" at sequence {at}" : "")} ({p.Kind}): {p.Message} " +
                $"{result.Count} entries were checked before it.",
            { Head: { } head } => $"Chain OK: {result.Count} entries, sequence {result.FirstSequence} to {head.Sequence}. " +
                $"Head {head} (keep it elsewhere as a checkpoint).",
            _ => "Chain OK: the audit log is empty.",
        };
        return Redirect(back);
    }

    public string PageLink(int page) => "/admin/audit" + Filter.ToQueryString(page);

    public string ExportLink => "/admin/audit/export" + Filter.ToQueryString();

    public static string Time(long unixMilliseconds) => AuditVerifier.Time(unixMilliseconds);

    public static string ShortTime(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    public static string? PrettyData(string? data) => AuditEntry.PrettyData(data);
}
