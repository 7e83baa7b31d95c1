using System.CommandLine;
using AuthServer.Data;
using AuthServer.Data.Audit;

namespace AuthServer.Cli;

/// <summary>
/// `authserver audit verify [--expect-head SEQ:HASH] | export [filters] [--output FILE] | prune --before DATE`: checks the
/// hash chain, writes it out as JSON lines (a checkpoint too), and deletes old entries behind an anchor. See docs/audit.md.
/// </summary>
internal static class AuditCommand
{
    public static Command Build()
    {
        var expectHead = new Option<string?>("--expect-head")
        {
            Description = "A head recorded earlier (SEQUENCE:HASH, as verify or an export's last line gives it): the log must still reach it, unchanged.",
        };
        var verify = new Command("verify", "Walk the hash chain and report the first edited, deleted, reordered or unchained entry (exit code 1).")
        {
            expectHead,
        };
        verify.SetAction(async (parse, ct) => await VerifyAsync(parse.GetValue(expectHead), ct));

        var from = new Option<string?>("--from") { Description = "Entries at or after this time (ISO 8601; UTC unless an offset is given)." };
        var to = new Option<string?>("--to") { Description = "Entries before this time." };
        var action = new Option<string?>("--action") { Description = "Actions starting with this (e.g. admin.client. or login.)." };
        var actor = new Option<string?>("--actor") { Description = "Exactly this actor (e.g. user:alice)." };
        var target = new Option<string?>("--target") { Description = "Exactly this target (e.g. client:web-app)." };
        var output = new Option<FileInfo?>("--output") { Description = "Write to this file instead of standard output." };
        var export = new Command("export", "Write the entries, in chain order, as JSON lines with their sequence and hashes.")
        {
            from, to, action, actor, target, output,
        };
        export.SetAction(async (parse, ct) => await ExportAsync(
            parse.GetValue(from), parse.GetValue(to), parse.GetValue(action), parse.GetValue(actor), parse.GetValue(target),
            parse.GetValue(output), ct));

        var before = new Option<string>("--before") { Description = "Delete the entries that occurred before this time.", Required = true };
        var prune = new Command("prune", "Delete the oldest entries (export them first) and record the prune in the chain, so verify still passes.")
        {
            before,
        };
        prune.SetAction(async (parse, ct) => await PruneAsync(parse.GetValue(before)!, ct));

        return new Command("audit", "The tamper-evident audit log: verify, export, prune.") { verify, export, prune };
    }

    private static async Task<int> VerifyAsync(string? expectHead, CancellationToken ct)
    {
        AuditCheckpoint? checkpoint = null;
        if (expectHead is not null && !AuditCheckpoint.TryParse(expectHead, out checkpoint))
        {
            await Console.Error.WriteLineAsync("--expect-head must be SEQUENCE:HASH, the hash being 64 hex digits (e.g. 42:9f86d0...).");
            return 2;
        }

        await using var database = await OpenAsync(ct);
        var result = await AuditVerifier.VerifyAsync(database, checkpoint, ct);
        if (result.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync(
                $"BROKEN{(problem.Sequence is { } at ? $" at sequence {at}" : "")} ({problem.Kind}): {problem.Message}");
            await Console.Error.WriteLineAsync($"{result.Count} entries were checked before it.");
            return 1;
        }

        if (result.Head is not { } head)
        {
            Console.WriteLine("OK: the audit log is empty.");
            return 0;
        }

        Console.WriteLine($"OK: {result.Count} entries, sequence {result.FirstSequence} to {head.Sequence}, unbroken.");
        Console.WriteLine($"Head: {head}");
        Console.WriteLine($"Keep the head somewhere else: `authserver audit verify --expect-head {head}` later detects a deleted tail " +
            "or a rewritten log.");
        return 0;
    }

    private static async Task<int> ExportAsync(
        string? from, string? to, string? action, string? actor, string? target, FileInfo? output, CancellationToken ct)
    {
        if (!TryParseTime(from, "--from", out var fromTime, out var error) || !TryParseTime(to, "--to", out var toTime, out error))
        {
            await Console.Error.WriteLineAsync(error);
            return 2;
        }

        await using var database = await OpenAsync(ct);
        var filter = new AuditFilter(fromTime, toTime, action, actor, target);
        await using var stream = output is null ? Console.OpenStandardOutput() : File.Create(output.FullName);
        var count = await AuditQuery.ExportAsync(AuditQuery.StreamAsync(database, filter, ct), stream, ct);
        if (output is not null)
        {
            Console.WriteLine($"Wrote {count} entries to {output.FullName}.");
        }

        return 0;
    }

    private static async Task<int> PruneAsync(string before, CancellationToken ct)
    {
        if (!TryParseTime(before, "--before", out var time, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return 2;
        }

        await using var database = await OpenAsync(ct);
        var now = TimeProvider.System.GetUtcNow();
        var result = await AuditPruner.PruneAsync(database, time!.Value, $"cli:{Environment.UserName}", now, ct);
        if (result.Anchor is null)
        {
            Console.WriteLine($"No entry occurred before {time:O}: nothing was deleted.");
            return 0;
        }

        Console.WriteLine($"Deleted {result.Deleted} entries up to sequence {result.LastPruned!.Sequence}. The prune is recorded as entry " +
            $"{result.Anchor.Sequence} ({AuditVerifier.PrunedAction}); the log now verifies from sequence {result.LastPruned!.Sequence + 1}.");
        return 0;
    }

    private static async Task<AuthServerDatabase> OpenAsync(CancellationToken ct)
    {
        var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
        return await CliDatabase.OpenAsync(options, options.MigrateOnStart, ct);
    }

    private static bool TryParseTime(string? text, string option, out DateTimeOffset? time, out string error)
    {
        var ok = Admin.Audit.AuditFilterInput.TryParseTime(text, out time);
        error = ok ? "" : $"{option} must be a date or time in ISO 8601, such as 2026-01-31 or 2026-01-31T18:00:00Z (not '{text}').";
        return ok;
    }
}
