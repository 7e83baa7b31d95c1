using System.Text.Json;
using AuthServer.Protocol.Clients;

namespace AuthServer.Data.Stores;

/// <summary>A client's token exchange policy is stored as one small JSON document: it is read as a whole, never queried.</summary>
internal static class TokenExchangeJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static TokenExchangePolicy? Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        var stored = JsonSerializer.Deserialize<Stored>(json, Options)!;
        return new TokenExchangePolicy
        {
            Audiences = (stored.Audiences ?? []).ToHashSet(StringComparer.Ordinal),
            SubjectAudiences = (stored.SubjectAudiences ?? []).ToHashSet(StringComparer.Ordinal),
            AllowDelegation = stored.Delegation,
            AllowImpersonation = stored.Impersonation,
            AllowIdTokenSubject = stored.IdTokenSubject,
            MaxLifetime = TimeSpan.FromSeconds(stored.MaxLifetimeSeconds),
        };
    }

    public static string Write(List<string> audiences, List<string> subjectAudiences, bool delegation, bool impersonation,
        bool idTokenSubject, int maxLifetimeSeconds) =>
        JsonSerializer.Serialize(new Stored(audiences, subjectAudiences, delegation, impersonation, idTokenSubject, maxLifetimeSeconds), Options);

    private sealed record Stored(
        List<string>? Audiences, List<string>? SubjectAudiences, bool Delegation, bool Impersonation, bool IdTokenSubject, int MaxLifetimeSeconds);
}
