using System.Globalization;
using System.Text.Json;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Claims;

/// <summary>A claim as it will be asserted: its type, its values, and the granted scope that released it.</summary>
public sealed record ResolvedClaim(ClaimType Type, IReadOnlyList<string> Values, string Scope);

/// <summary>
/// Picks, from a subject's stored values, exactly the claims the granted scopes release. Nothing else reaches a
/// token: a claim type no granted scope releases, a type the store does not define, or a reserved name never does.
/// </summary>
public static class ClaimsResolver
{
    /// <summary>The claims for an access token's audience: released by granted scopes that the API accepts.</summary>
    public static List<ResolvedClaim> ForApi(
        ResourceCatalog catalog, IEnumerable<string> grantedScopes, string audience, IReadOnlyList<ClaimValue> values)
    {
        var api = catalog.Apis.GetValueOrDefault(audience);
        return api is null ? [] : Resolve(catalog, grantedScopes.Where(api.Scopes.Contains), values, includeSensitive: true);
    }

    /// <summary>The claims for an ID token (no sensitive ones) or userinfo: released by granted identity scopes.</summary>
    public static List<ResolvedClaim> ForIdentity(
        ResourceCatalog catalog, IEnumerable<string> grantedScopes, IReadOnlyList<ClaimValue> values, bool includeSensitive) =>
        Resolve(catalog, grantedScopes.Where(s => !catalog.IsApiScope(s)), values, includeSensitive);

    /// <summary>True when any of the scopes would release a claim for the audience, so values must be looked up.</summary>
    public static bool ReleasesAny(ResourceCatalog catalog, IEnumerable<string> scopes) =>
        scopes.Any(s => catalog.ClaimsReleasedBy(s).Count > 0);

    /// <summary>
    /// The claim types the scopes release, each once with the first scope that releases it: only defined types, never a
    /// reserved name, and sensitive ones only when asked for. The one rule every token, userinfo and explain follow.
    /// </summary>
    public static IEnumerable<(ClaimType Type, string Scope)> Released(
        ResourceCatalog catalog, IEnumerable<string> scopes, bool includeSensitive)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            foreach (var name in catalog.ClaimsReleasedBy(scope))
            {
                if (!StandardClaims.Reserved.Contains(name) && catalog.ClaimTypes.TryGetValue(name, out var type)
                    && (includeSensitive || !type.Sensitive) && seen.Add(name))
                {
                    yield return (type, scope);
                }
            }
        }
    }

    private static List<ResolvedClaim> Resolve(
        ResourceCatalog catalog, IEnumerable<string> releasingScopes, IReadOnlyList<ClaimValue> values, bool includeSensitive) =>
        Released(catalog, releasingScopes, includeSensitive)
            .Select(r => new ResolvedClaim(r.Type, values.Where(v => v.Type == r.Type.Name).Select(v => v.Value).ToList(), r.Scope))
            .Where(c => c.Values.Count > 0)
            .ToList();

    /// <summary>Writes each claim as a member: one value as itself, several as an array, typed per its claim type.</summary>
    public static void WriteMembers(Utf8JsonWriter w, IEnumerable<ResolvedClaim> claims)
    {
        foreach (var claim in claims)
        {
            w.WritePropertyName(claim.Type.Name);
            if (claim.Values.Count == 1)
            {
                WriteValue(w, claim.Type.ValueType, claim.Values[0]);
                continue;
            }

            w.WriteStartArray();
            foreach (var value in claim.Values)
            {
                WriteValue(w, claim.Type.ValueType, value);
            }

            w.WriteEndArray();
        }
    }

    /// <summary>Whether stored text is a valid value of the type (the importer checks every value with this).</summary>
    public static bool IsValid(ClaimValueType type, string value)
    {
        switch (type)
        {
            case ClaimValueType.Boolean:
                return value is "true" or "false";
            case ClaimValueType.Integer:
                return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
            case ClaimValueType.Json:
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    return doc.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array;
                }
                catch (JsonException)
                {
                    return false;
                }

            default:
                return true;
        }
    }

    private static void WriteValue(Utf8JsonWriter w, ClaimValueType type, string value)
    {
        // A value that does not fit its type (the type was changed after the value was stored) is written as text.
        if (!IsValid(type, value))
        {
            w.WriteStringValue(value);
            return;
        }

        switch (type)
        {
            case ClaimValueType.Boolean:
                w.WriteBooleanValue(value == "true");
                break;
            case ClaimValueType.Integer:
                w.WriteNumberValue(long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                break;
            case ClaimValueType.Json:
                w.WriteRawValue(value);
                break;
            default:
                w.WriteStringValue(value);
                break;
        }
    }
}
