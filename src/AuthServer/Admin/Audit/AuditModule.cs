using AuthServer.Data;
using AuthServer.Data.Audit;
using Microsoft.AspNetCore.Mvc;

namespace AuthServer.Admin.Audit;

/// <summary>
/// GET /audit (filtered, paged, newest first), GET /audit/export (the filtered entries as JSON lines, streamed) and
/// POST /audit/verify (walks the hash chain). The same filters as the /admin/audit page.
/// </summary>
public sealed class AuditModule : IAdminModule
{
    public void MapApi(RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit");
        audit.MapGet("/", ListAsync)
            .Produces<Paged<AuditEntry>>()
            .ProducesValidationProblem()
            .WithSummary("Audit entries, newest first: filter by time (from inclusive, to exclusive), action prefix, actor, target, outcome");
        audit.MapGet("/export", ExportAsync)
            .Produces(StatusCodes.Status200OK, contentType: AuditExport.ContentType)
            .ProducesValidationProblem()
            .WithSummary("The filtered entries in chain order as JSON lines (one entry per line, with its sequence and hashes)");
        audit.MapPost("/verify", VerifyAsync)
            .Accepts<AuditVerifyRequest>("application/json")
            .Produces<AuditVerifyResult>()
            .ProducesValidationProblem()
            .WithSummary("Walk the hash chain; optionally check it still reaches a head recorded earlier (expectHead \"sequence:hash\")");
    }

    private static async Task<IResult> ListAsync(
        AuthServerDatabase database, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? action,
        [FromQuery] string? actor, [FromQuery] string? target, [FromQuery] string? outcome, [FromQuery] int? page,
        [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        var (filter, errors) = new AuditFilterInput(from, to, action, actor, target, outcome).Parse();
        if (filter is null)
        {
            return AdminApi.Invalid(errors);
        }

        var request = PageRequest.From(page, pageSize);
        var (items, total) = await AuditQuery.PageAsync(database, filter, request.Skip, request.Size, cancellationToken);
        return TypedResults.Ok(new Paged<AuditEntry>(items.Select(AuditEntry.From).ToList(), request.Page, request.Size, total));
    }

    private static async Task<IResult> ExportAsync(
        HttpContext context, AuthServerDatabase database, TimeProvider time, [FromQuery] string? from, [FromQuery] string? to,
        [FromQuery] string? action, [FromQuery] string? actor, [FromQuery] string? target, [FromQuery] string? outcome)
    {
        var (filter, errors) = new AuditFilterInput(from, to, action, actor, target, outcome).Parse();
        if (filter is null)
        {
            return AdminApi.Invalid(errors);
        }

        await AuditExport.WriteAsync(context, database, filter, time);
        return TypedResults.Empty;
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, AuthServerDatabase database, CancellationToken cancellationToken)
    {
        AuditCheckpoint? expectHead = null;
        if (context.Request.ContentLength > 0 || context.Request.ContentType is not null)
        {
            var (body, error) = await AdminApi.ReadBodyAsync<AuditVerifyRequest>(context.Request);
            if (error is not null)
            {
                return error;
            }

            if (body!.ExpectHead is { } text && !AuditCheckpoint.TryParse(text, out expectHead))
            {
                return AdminApi.Invalid([("expectHead", "Give the head as sequence:hash, the hash being 64 hex digits.")]);
            }
        }

        return TypedResults.Ok(AuditVerifyResult.From(await AuditVerifier.VerifyAsync(database, expectHead, cancellationToken)));
    }
}

/// <summary>Streams the filtered audit log as a JSON lines download (the API's export and the page's link).</summary>
public static class AuditExport
{
    public const string ContentType = "application/x-ndjson";

    public static async Task WriteAsync(HttpContext context, AuthServerDatabase database, AuditFilter filter, TimeProvider time)
    {
        var name = $"audit-{time.GetUtcNow():yyyyMMdd-HHmmss}.jsonl";
        context.Response.ContentType = ContentType;
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        context.Response.Headers.CacheControl = "no-store";
        var cancellationToken = context.RequestAborted;
        await AuditQuery.ExportAsync(AuditQuery.StreamAsync(database, filter, cancellationToken), context.Response.Body, cancellationToken);
    }
}
