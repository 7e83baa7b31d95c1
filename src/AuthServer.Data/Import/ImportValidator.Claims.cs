using System.Text.Json;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;

namespace AuthServer.Data.Import;

// The claims store's part of an import: claim types, what scopes release, client and user values, exchange rules.
internal sealed partial class ImportValidator
{
    /// <summary>Claim types known before the file's own: the standard ones and those in the database.</summary>
    public IReadOnlyDictionary<string, ClaimValueType> KnownClaimTypes { get; init; } =
        StandardClaims.Types.ToDictionary(t => t.Name, t => t.ValueType, StringComparer.Ordinal);

    private Dictionary<string, ClaimValueType> _claimTypes = new(StringComparer.Ordinal);

    private void ValidateClaimTypes(List<ClaimTypeImport?>? list)
    {
        _claimTypes = new Dictionary<string, ClaimValueType>(KnownClaimTypes, StringComparer.Ordinal);
        Each(list, "$.claimTypes", (t, path, seen) =>
        {
            var valueType = ClaimValueTypes.Parse(t.ValueType);
            Check(ResourceRules.ValueTypeError(t.ValueType), $"{path}.valueType");

            if (Name(t.Name, $"{path}.name", seen) is not { } name)
            {
                return;
            }

            Check(ResourceRules.ClaimTypeNameError(name), $"{path}.name");
            MaxLength(t.Description, $"{path}.description", ResourceRules.DescriptionMaxLength);
            _claimTypes[name] = valueType ?? ClaimValueType.String;
        });
    }

    private void ValidateScopeClaims(ScopeImport s, string path)
    {
        if (s.Name is not null)
        {
            Check(ResourceRules.IdentityScopeError(s.Name), $"{path}.name");
        }

        for (var i = 0; i < (s.Claims?.Count ?? 0); i++)
        {
            if (s.Claims![i] is not { } claim || !_claimTypes.ContainsKey(claim))
            {
                Error($"{path}.claims[{i}]", "names no claim type defined in the file, the database or OpenID Connect");
            }
        }
    }

    /// <summary>Claim values: a map from a known claim type to one value, or an array of values, of its type.</summary>
    private void ClaimValues(Dictionary<string, JsonElement>? claims, string path)
    {
        foreach (var (type, element) in claims ?? [])
        {
            if (!_claimTypes.TryGetValue(type, out var valueType))
            {
                Error($"{path}.{type}", $"names no claim type defined in {Catalog} or by OpenID Connect");
            }
            else if (ClaimValueTypes.ToValues(element, valueType) is null)
            {
                Error($"{path}.{type}", $"must be a {valueType.ToString().ToLowerInvariant()} value or an array of them (at most 4000 characters each)");
            }
        }
    }

    private void ValidateUserClaims(List<UserClaimsImport?>? list)
    {
        Each(list, "$.userClaims", (u, path, seen) =>
        {
            Name(u.UserName, $"{path}.userName", seen);
            ClaimValues(u.Claims, $"{path}.claims");
        });
    }

    private void ValidateTokenExchange(ClientImport c, string path, HashSet<string> apis)
    {
        var wantsGrant = c.GrantTypes?.Contains(TokenExchangePolicy.GrantType) == true;
        var x = c.TokenExchange;
        if (x is null)
        {
            if (wantsGrant)
            {
                Error($"{path}.tokenExchange", "a client with the token-exchange grant needs a tokenExchange policy (which audiences, delegation or impersonation)");
            }

            return;
        }

        if (!wantsGrant)
        {
            Error($"{path}.grantTypes", $"a tokenExchange policy needs '{TokenExchangePolicy.GrantType}' in grantTypes");
        }

        if (c.Type == "public")
        {
            Error($"{path}.tokenExchange", "token exchange needs a confidential client: a public client cannot authenticate as an actor");
        }

        if ((x.Audiences?.Count ?? 0) == 0)
        {
            Error($"{path}.tokenExchange.audiences", "must list at least one API");
        }

        References(x.Audiences, $"{path}.tokenExchange.audiences", apis, "API");
        References(x.SubjectAudiences, $"{path}.tokenExchange.subjectAudiences", apis, "API");
        if (x.Delegation != true && x.Impersonation != true)
        {
            Error($"{path}.tokenExchange", "must allow delegation, impersonation or both");
        }

        if (x.MaxLifetimeSeconds is < 60 or > 86_400)
        {
            Error($"{path}.tokenExchange.maxLifetimeSeconds", "must be between 60 and 86400");
        }
    }
}

/// <summary>Claim value types as the import file and the database spell them, and import values as stored text.</summary>
internal static class ClaimValueTypes
{
    public const int MaxValueLength = 4000;

    public static ClaimValueType? Parse(string? name) => name switch
    {
        null or "string" => ClaimValueType.String,
        "boolean" => ClaimValueType.Boolean,
        "integer" => ClaimValueType.Integer,
        "json" => ClaimValueType.Json,
        _ => null,
    };

    public static string Name(ClaimValueType type) => type.ToString().ToLowerInvariant();

    /// <summary>The stored texts of an import value, or null when it does not fit the type.</summary>
    public static List<string>? ToValues(JsonElement element, ClaimValueType type)
    {
        // A JSON-typed claim holds an object or array as one value; for the others an array lists several values.
        var items = element.ValueKind == JsonValueKind.Array && type != ClaimValueType.Json
            ? element.EnumerateArray().ToList()
            : [element];
        var values = new List<string>();
        foreach (var item in items)
        {
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number or JsonValueKind.Object or JsonValueKind.Array => item.GetRawText(),
                _ => null,
            };
            if (text is null || text.Length > MaxValueLength || !ClaimsResolver.IsValid(type, text))
            {
                return null;
            }

            values.Add(text);
        }

        return values.Count == 0 ? null : values;
    }
}
