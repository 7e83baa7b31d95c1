using System.Text.Json;
using AuthServer.Data.Import;
using AuthServer.Protocol.Claims;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin.Users;

/// <summary>
/// Claim values an admin sets for a user, checked by the importer's rules (<see cref="ClaimValueTypes"/>): only claim
/// types that are defined (OpenID Connect's standard ones or the claims store's), each value of its type.
/// </summary>
public static class UserClaimValues
{
    /// <summary>The claim types values may be given for, with their value types: the standard ones, then the store's.</summary>
    public static async Task<IReadOnlyDictionary<string, ClaimValueType>> KnownTypesAsync(AuthServerDbContext db, CancellationToken ct)
    {
        var known = StandardClaims.Types.ToDictionary(t => t.Name, t => t.ValueType, StringComparer.Ordinal);
        foreach (var t in await db.ClaimTypes.AsNoTracking().Select(t => new { t.Name, t.ValueType }).ToListAsync(ct))
        {
            known[t.Name] = ClaimValueTypes.Parse(t.ValueType) ?? ClaimValueType.String;
        }

        return known;
    }

    /// <summary>
    /// The API's shape: type → one value or an array of values, as JSON. Errors are keyed "claims.{type}".
    /// A JSON-typed claim takes an object or array as one value (as in an import file).
    /// </summary>
    public static (List<(string Type, string Value)> Values, List<FieldError> Errors) FromJson(
        IReadOnlyDictionary<string, JsonElement> claims, IReadOnlyDictionary<string, ClaimValueType> types)
    {
        var values = new List<(string, string)>();
        var errors = new List<FieldError>();
        foreach (var (type, element) in claims)
        {
            if (Unknown(type, types, $"claims.{type}") is { } unknown)
            {
                errors.Add(unknown);
            }
            else if (ClaimValueTypes.ToValues(element, types[type]) is { } texts)
            {
                values.AddRange(texts.Select(t => (type, t)));
            }
            else
            {
                errors.Add(new FieldError($"claims.{type}", WrongType(types[type])));
            }
        }

        return (values, errors);
    }

    /// <summary>
    /// The page's shape: one "type = value" a line, a type repeated for several values; values as they are stored
    /// (true/false, a whole number, JSON text). Errors are keyed by <paramref name="field"/>, naming the line.
    /// </summary>
    public static (List<(string Type, string Value)> Values, List<FieldError> Errors) FromLines(
        string? text, IReadOnlyDictionary<string, ClaimValueType> types, string field)
    {
        var values = new List<(string, string)>();
        var errors = new List<FieldError>();
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add(new FieldError(field, $"Line {i + 1}: write it as type = value."));
                continue;
            }

            var type = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (Unknown(type, types, field) is { } unknown)
            {
                errors.Add(unknown with { Message = $"Line {i + 1}: {unknown.Message}" });
            }
            else if (value.Length == 0 || value.Length > ClaimValueTypes.MaxValueLength || !ClaimsResolver.IsValid(types[type], value))
            {
                errors.Add(new FieldError(field,
                    $"Line {i + 1}: {type} must be {Kind(types[type])} value of at most {ClaimValueTypes.MaxValueLength} characters."));
            }
            else
            {
                values.Add((type, value));
            }
        }

        return (values, errors);
    }

    /// <summary>The page's text for stored values: one "type = value" a line.</summary>
    public static string ToLines(IReadOnlyDictionary<string, IReadOnlyList<string>> claims) =>
        string.Join('\n', claims.SelectMany(kv => kv.Value.Select(v => $"{kv.Key} = {v}")));

    private static FieldError? Unknown(string type, IReadOnlyDictionary<string, ClaimValueType> types, string field)
    {
        if (StandardClaims.Reserved.Contains(type))
        {
            return new FieldError(field, $"'{type}' is asserted by the server itself and cannot come from the claims store");
        }

        return types.ContainsKey(type) ? null : new FieldError(field, $"'{type}' names no claim type defined in the claims store or OpenID Connect");
    }

    private static string WrongType(ClaimValueType type) =>
        $"must be {Kind(type)} value or an array of them (at most {ClaimValueTypes.MaxValueLength} characters each)";

    private static string Kind(ClaimValueType type) => type == ClaimValueType.Integer ? "an integer" : $"a {ClaimValueTypes.Name(type)}";
}
