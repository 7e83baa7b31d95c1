using System.Globalization;
using System.Text.Json;
using AuthServer.Data.Admin;

namespace AuthServer.Pages.Admin.Clients;

/// <summary>
/// A client's settings as the create and edit forms post them: lists one per line or as checkbox sets, claim values
/// as "type=value" lines, numbers as text (so a bad number is a message beside the field, not a binding failure).
/// Text members are nullable: a missing one takes the default, rather than failing as implicitly required.
/// </summary>
public sealed class ClientForm
{
    public string? ClientId { get; set; }

    public string? Type { get; set; } = "confidential";

    public string? DisplayName { get; set; }

    public bool Enabled { get; set; } = true;

    public List<string> GrantTypes { get; set; } = [];

    public string? RedirectUris { get; set; }

    public string? PostLogoutRedirectUris { get; set; }

    public List<string> AllowedScopes { get; set; } = [];

    public List<string> DefaultScopes { get; set; } = [];

    public List<string> AllowedApis { get; set; } = [];

    public List<string> IntrospectionApis { get; set; } = [];

    public string? AccessTokenFormat { get; set; } = "opaque";

    public string? AccessTokenLifetimeSeconds { get; set; } = "3600";

    public string? RefreshTokenLifetimeSeconds { get; set; } = "2592000";

    public string? RefreshTokenIdleSeconds { get; set; } = "1209600";

    public bool RequirePkce { get; set; } = true;

    public bool RequireConsent { get; set; }

    public bool RequireMfa { get; set; }

    public string? IdTokenSigningAlgorithm { get; set; } = "RS256";

    public string? CorsOrigins { get; set; }

    public string? Claims { get; set; }

    /// <summary>The public keys for private_key_jwt, as JWK Set JSON; empty for none.</summary>
    public string? Jwks { get; set; }

    public bool Exchange { get; set; }

    public List<string> ExchangeAudiences { get; set; } = [];

    public List<string> ExchangeSubjectAudiences { get; set; } = [];

    public bool ExchangeDelegation { get; set; }

    public bool ExchangeImpersonation { get; set; }

    public bool ExchangeIdTokenSubject { get; set; }

    public string? ExchangeMaxLifetimeSeconds { get; set; } = "300";

    public static ClientForm From(ClientDetails client)
    {
        var s = client.Settings;
        var x = s.TokenExchange;
        return new ClientForm
        {
            ClientId = client.ClientId,
            Type = s.Type ?? "confidential",
            DisplayName = s.DisplayName,
            Enabled = s.Enabled ?? true,
            GrantTypes = Items(s.GrantTypes),
            RedirectUris = Lines(s.RedirectUris),
            PostLogoutRedirectUris = Lines(s.PostLogoutRedirectUris),
            AllowedScopes = Items(s.AllowedScopes),
            DefaultScopes = Items(s.DefaultScopes),
            AllowedApis = Items(s.AllowedApis),
            IntrospectionApis = Items(s.IntrospectionApis),
            AccessTokenFormat = s.AccessTokenFormat ?? "opaque",
            AccessTokenLifetimeSeconds = Number(s.AccessTokenLifetimeSeconds),
            RefreshTokenLifetimeSeconds = Number(s.RefreshTokenLifetimeSeconds),
            RefreshTokenIdleSeconds = Number(s.RefreshTokenIdleSeconds),
            RequirePkce = s.RequirePkce ?? true,
            RequireConsent = s.RequireConsent ?? false,
            RequireMfa = s.RequireMfa ?? false,
            IdTokenSigningAlgorithm = s.IdTokenSigningAlgorithm ?? "RS256",
            CorsOrigins = Lines(s.CorsOrigins),
            Claims = ClaimLines(s.Claims),
            Jwks = s.Jwks is { } jwks ? JsonSerializer.Serialize(jwks, IndentedJson) : null,
            Exchange = x is not null,
            ExchangeAudiences = Items(x?.Audiences),
            ExchangeSubjectAudiences = Items(x?.SubjectAudiences),
            ExchangeDelegation = x?.Delegation ?? false,
            ExchangeImpersonation = x?.Impersonation ?? false,
            ExchangeIdTokenSubject = x?.IdTokenSubject ?? false,
            ExchangeMaxLifetimeSeconds = Number(x?.MaxLifetimeSeconds ?? 300),
        };
    }

    /// <summary>The settings this form describes, or the form's own errors (a bad number, a claim line without '=').</summary>
    public (NewClient Settings, List<(string Field, string Message)> Errors) ToSettings()
    {
        var errors = new List<(string, string)>();
        var settings = new NewClient
        {
            ClientId = ClientId?.Trim(),
            Type = Type,
            DisplayName = string.IsNullOrWhiteSpace(DisplayName) ? null : DisplayName.Trim(),
            Enabled = Enabled,
            GrantTypes = [.. GrantTypes],
            RedirectUris = Split(RedirectUris),
            PostLogoutRedirectUris = Split(PostLogoutRedirectUris),
            AllowedScopes = [.. AllowedScopes],
            DefaultScopes = [.. DefaultScopes],
            AllowedApis = [.. AllowedApis],
            IntrospectionApis = [.. IntrospectionApis],
            AccessTokenFormat = AccessTokenFormat,
            AccessTokenLifetimeSeconds = Parse(AccessTokenLifetimeSeconds, nameof(AccessTokenLifetimeSeconds), errors),
            RefreshTokenLifetimeSeconds = Parse(RefreshTokenLifetimeSeconds, nameof(RefreshTokenLifetimeSeconds), errors),
            RefreshTokenIdleSeconds = Parse(RefreshTokenIdleSeconds, nameof(RefreshTokenIdleSeconds), errors),
            RequirePkce = RequirePkce,
            RequireConsent = RequireConsent,
            RequireMfa = RequireMfa,
            IdTokenSigningAlgorithm = IdTokenSigningAlgorithm,
            CorsOrigins = Split(CorsOrigins),
            Claims = ParseClaims(Claims, errors),
            Jwks = ParseJwks(Jwks, errors),
            TokenExchange = Exchange
                ? new ClientTokenExchange([.. ExchangeAudiences], [.. ExchangeSubjectAudiences], ExchangeDelegation, ExchangeImpersonation,
                    ExchangeIdTokenSubject, Parse(ExchangeMaxLifetimeSeconds, nameof(ExchangeMaxLifetimeSeconds), errors))
                : null,
        };
        return (settings, errors);
    }

    /// <summary>
    /// The form field for a validator path ("redirectUris[1]" → RedirectUris, "tokenExchange.audiences[0]" →
    /// ExchangeAudiences), and the message, naming the item when the path points into a list.
    /// </summary>
    public static (string Field, string Message) FieldOf(string path, string message, ClientSettings settings)
    {
        var parts = path.Split('.', 2);
        var head = parts[0];
        var index = head.IndexOf('[', StringComparison.Ordinal);
        var member = index < 0 ? head : head[..index];
        if (member == "tokenExchange")
        {
            if (parts.Length == 1)
            {
                return ("Exchange", message);
            }

            var sub = parts[1];
            var subIndex = sub.IndexOf('[', StringComparison.Ordinal);
            return ("Exchange" + Pascal(subIndex < 0 ? sub : sub[..subIndex]), message);
        }

        if (member == "claims")
        {
            return ("Claims", parts.Length > 1 ? $"{parts[1]}: {message}" : message);
        }

        if (member == "secret")
        {
            return ("Type", message);
        }

        if (member == "jwks")
        {
            return ("Jwks", parts.Length > 1 ? $"{parts[1]}: {message}" : message);
        }

        var item = index < 0 ? null : ItemAt(settings, member, head[(index + 1)..^1]);
        return (Pascal(member), item is null ? message : $"'{item}': {message}");
    }

    private static string? ItemAt(ClientSettings s, string member, string index)
    {
        var list = member switch
        {
            "grantTypes" => s.GrantTypes,
            "redirectUris" => s.RedirectUris,
            "postLogoutRedirectUris" => s.PostLogoutRedirectUris,
            "allowedScopes" => s.AllowedScopes,
            "defaultScopes" => s.DefaultScopes,
            "allowedApis" => s.AllowedApis,
            "introspectionApis" => s.IntrospectionApis,
            "corsOrigins" => s.CorsOrigins,
            _ => null,
        };
        return list is not null && int.TryParse(index, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < list.Count ? list[i] : null;
    }

    private static string Pascal(string camel) => camel.Length == 0 ? camel : char.ToUpperInvariant(camel[0]) + camel[1..];

    private static int? Parse(string? text, string field, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add((field, "must be a whole number of seconds"));
        return null;
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private static JsonElement? ParseJwks(string? text, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            errors.Add(("Jwks", "must be JSON: a JWK Set such as {\"keys\": [{\"kty\": \"EC\", ...}]}"));
            return null;
        }
    }

    /// <summary>"type=value" lines; several lines of one type give several values.</summary>
    private static Dictionary<string, JsonElement>? ParseClaims(string? text, List<(string, string)> errors)
    {
        var values = new List<(string Type, string Value)>();
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
                errors.Add(("Claims", $"line {i + 1}: write each claim value as type=value"));
                continue;
            }

            values.Add((line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }

        return values.GroupBy(v => v.Type, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => g.Count() == 1 ? JsonSerializer.SerializeToElement(g.First().Value) : JsonSerializer.SerializeToElement(g.Select(v => v.Value).ToList()),
            StringComparer.Ordinal);
    }

    private static string ClaimLines(Dictionary<string, JsonElement>? claims) => string.Join("\n", (claims ?? []).SelectMany(kv =>
        kv.Value.ValueKind == JsonValueKind.Array
            ? kv.Value.EnumerateArray().Select(v => $"{kv.Key}={Text(v)}")
            : [$"{kv.Key}={Text(kv.Value)}"]));

    private static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();

    private static List<string?> Split(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => (string?)l).ToList();

    private static string Lines(List<string?>? values) => string.Join("\n", (values ?? []).OfType<string>());

    private static List<string> Items(List<string?>? values) => (values ?? []).OfType<string>().ToList();

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
