using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Audit;

/// <summary>
/// What the audit page, the admin API and `audit export` filter on. <see cref="From"/> is inclusive and
/// <see cref="To"/> exclusive; <see cref="Action"/> is a prefix ("admin.client." finds every client change); actor,
/// target and outcome match exactly.
/// </summary>
public sealed record AuditFilter(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Action = null, string? Actor = null, string? Target = null,
    string? Outcome = null);

/// <summary>Reads the audit log: a page of it newest first, or all of it in chain order as JSON lines.</summary>
public static class AuditQuery
{
    public static IQueryable<AuditEventEntity> Where(this IQueryable<AuditEventEntity> events, AuditFilter filter)
    {
        if (filter.From is { } from)
        {
            var ms = from.ToUnixTimeMilliseconds();
            events = events.Where(e => e.OccurredAt >= ms);
        }

        if (filter.To is { } to)
        {
            var ms = to.ToUnixTimeMilliseconds();
            events = events.Where(e => e.OccurredAt < ms);
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var prefix = filter.Action.Trim();
            events = events.Where(e => e.Action.StartsWith(prefix));
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            events = events.Where(e => e.Actor == actor);
        }

        if (!string.IsNullOrWhiteSpace(filter.Target))
        {
            var target = filter.Target.Trim();
            events = events.Where(e => e.Target == target);
        }

        if (!string.IsNullOrWhiteSpace(filter.Outcome))
        {
            var outcome = filter.Outcome.Trim();
            events = events.Where(e => e.Outcome == outcome);
        }

        return events;
    }

    /// <summary>One page, newest first (highest sequence; an unchained row by its id), and the total that match.</summary>
    public static async Task<(IReadOnlyList<AuditEventEntity> Items, long Total)> PageAsync(
        AuthServerDatabase database, AuditFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var matching = db.AuditEvents.AsNoTracking().Where(filter);
        var total = await matching.LongCountAsync(cancellationToken);
        var items = await matching.OrderByDescending(e => e.Sequence).ThenByDescending(e => e.Id)
            .Skip(skip).Take(take).ToListAsync(cancellationToken);
        return (items, total);
    }

    /// <summary>Every matching entry in chain order, streamed from the database (never all in memory).</summary>
    public static async IAsyncEnumerable<AuditEventEntity> StreamAsync(
        AuthServerDatabase database, AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var query = db.AuditEvents.AsNoTracking().Where(filter).OrderBy(e => e.Sequence).ThenBy(e => e.Id).AsAsyncEnumerable();
        await foreach (var e in query.WithCancellation(cancellationToken))
        {
            yield return e;
        }
    }

    /// <summary>
    /// Writes one JSON object per line (JSON Lines): every stored field, with its sequence and hashes, so an export is
    /// also a checkpoint. data is the stored text, unparsed, so each line can be hashed again exactly (docs/audit.md).
    /// </summary>
    public static async Task<long> ExportAsync(IAsyncEnumerable<AuditEventEntity> events, Stream output, CancellationToken cancellationToken)
    {
        // Lines are built in memory and written asynchronously in chunks (an HTTP response allows no synchronous writes).
        long count = 0;
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        await using var json = new Utf8JsonWriter(buffer);
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            WriteLine(json, e);
            json.Flush();
            json.Reset();
            buffer.Write("\n"u8);
            count++;
            if (buffer.WrittenCount >= 16 * 1024)
            {
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                await output.FlushAsync(cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await output.FlushAsync(cancellationToken);
        return count;
    }

    private static void WriteLine(Utf8JsonWriter json, AuditEventEntity e)
    {
        json.WriteStartObject();
        if (e.Sequence is { } sequence)
        {
            json.WriteNumber("sequence", sequence);
        }
        else
        {
            json.WriteNull("sequence");
        }

        json.WriteString("occurredAt", DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredAt).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        json.WriteString("action", e.Action);
        json.WriteString("outcome", e.Outcome);
        json.WriteString("actor", e.Actor);
        json.WriteString("clientId", e.ClientId);
        json.WriteString("subject", e.Subject);
        json.WriteString("target", e.Target);
        json.WriteString("source", e.Source);
        json.WriteString("detail", e.Detail);
        json.WriteString("data", e.Data);
        json.WriteString("previousHash", e.PreviousHash);
        json.WriteString("hash", e.Hash);
        json.WriteEndObject();
    }
}
