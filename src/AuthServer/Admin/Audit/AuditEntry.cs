using System.Text.Json;
using AuthServer.Data.Audit;
using AuthServer.Data.Entities;

namespace AuthServer.Admin.Audit;

/// <summary>One audit entry as the admin API returns it; <see cref="Data"/> is the stored JSON object.</summary>
public sealed record AuditEntry(
    long? Sequence,
    DateTimeOffset OccurredAt,
    string Action,
    string Outcome,
    string? Actor,
    string? ClientId,
    string? Subject,
    string? Target,
    string? Source,
    string? Detail,
    JsonElement? Data,
    string? PreviousHash,
    string? Hash)
{
    public static AuditEntry From(AuditEventEntity e) => new(
        e.Sequence, DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredAt), e.Action, e.Outcome, e.Actor, e.ClientId, e.Subject,
        e.Target, e.Source, e.Detail, ParseData(e.Data), e.PreviousHash, e.Hash);

    /// <summary>The data as indented JSON for a page (shown encoded), or the stored text when it is not JSON.</summary>
    public static string? PrettyData(string? data)
    {
        if (data is null)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(data);
            return JsonSerializer.Serialize(json.RootElement, Indented);
        }
        catch (JsonException)
        {
            return data;
        }
    }

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // the page encodes it as HTML
    };

    private static JsonElement? ParseData(string? data)
    {
        if (data is null)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(data);
            return json.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(data);
        }
    }
}

/// <summary>The result of a chain verification, as the admin API returns it.</summary>
public sealed record AuditVerifyResult(bool Ok, long Count, long? FirstSequence, string? Head, AuditVerifyProblem? Problem)
{
    public static AuditVerifyResult From(AuditVerification v) => new(
        v.Ok, v.Count, v.FirstSequence, v.Head?.ToString(),
        v.Problem is { } p ? new AuditVerifyProblem(p.Sequence, p.Kind, p.Message) : null);
}

public sealed record AuditVerifyProblem(long? Sequence, string Kind, string Message);

/// <summary>POST /audit/verify body (optional): a head recorded earlier, "sequence:hash".</summary>
public sealed record AuditVerifyRequest(string? ExpectHead);
