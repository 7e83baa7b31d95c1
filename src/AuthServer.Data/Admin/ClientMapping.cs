using System.Text.Json;
using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Claims;

namespace AuthServer.Data.Admin;

/// <summary>Client settings to and from the stored entity, and to the import shape the shared validator checks.</summary>
internal static class ClientMapping
{
    public static ClientDetails ToDetails(ClientEntity e) => new(
        e.ClientId,
        ToSettings(e),
        e.Secrets.Count > 0,
        e.Secrets.Count > 0 ? e.Secrets.Max(s => s.CreatedAt) : null,
        e.CreatedAt,
        e.UpdatedAt);

    public static ClientSettings ToSettings(ClientEntity e)
    {
        var exchange = TokenExchangeJson.Read(e.TokenExchange);
        return new ClientSettings
        {
            Type = e.Type,
            DisplayName = e.DisplayName,
            Enabled = e.Enabled,
            GrantTypes = List(e.GrantTypes),
            RedirectUris = List(e.RedirectUris),
            PostLogoutRedirectUris = List(e.PostLogoutRedirectUris),
            AllowedScopes = List(e.AllowedScopes),
            DefaultScopes = List(e.DefaultScopes),
            AllowedApis = List(e.AllowedApis),
            IntrospectionApis = List(e.IntrospectionApis),
            AccessTokenFormat = e.AccessTokenFormat,
            AccessTokenLifetimeSeconds = e.AccessTokenLifetimeSeconds,
            RefreshTokenLifetimeSeconds = e.RefreshTokenLifetimeSeconds,
            RefreshTokenIdleSeconds = e.RefreshTokenIdleSeconds,
            RequirePkce = !e.PkceOptional,
            RequireConsent = e.RequireConsent,
            RequireMfa = e.RequireMfa,
            IdTokenSigningAlgorithm = e.IdTokenSigningAlgorithm,
            CorsOrigins = List(e.AllowedCorsOrigins),
            TokenExchange = exchange is null ? null : new ClientTokenExchange(
                List(exchange.Audiences.Order(StringComparer.Ordinal)), List(exchange.SubjectAudiences.Order(StringComparer.Ordinal)),
                exchange.AllowDelegation, exchange.AllowImpersonation, exchange.AllowIdTokenSubject, (int)exchange.MaxLifetime.TotalSeconds),
            Claims = ClaimMap(e.Claims),
            Jwks = e.Jwks is null ? null : JsonDocument.Parse(e.Jwks).RootElement.Clone(),
        };
    }

    /// <summary>
    /// The import file's client for these settings, so the importer's rules apply unchanged. The secret member says
    /// what the admin path does: a confidential client gets a generated secret; a public one has none.
    /// </summary>
    public static ClientImport ToImport(string? clientId, ClientSettings s)
    {
        var x = s.TokenExchange;
        return new ClientImport(
            clientId, s.DisplayName, s.Type, s.Type == "public" || s.Jwks is not null ? null : new SecretImport(null, null, true),
            s.GrantTypes, s.AllowedScopes, s.DefaultScopes, s.AllowedApis, s.IntrospectionApis, s.AccessTokenFormat,
            s.AccessTokenLifetimeSeconds, s.Enabled, s.RedirectUris, s.PostLogoutRedirectUris, s.RequirePkce, s.RequireConsent,
            s.RequireMfa, s.IdTokenSigningAlgorithm, s.RefreshTokenLifetimeSeconds, s.RefreshTokenIdleSeconds, s.Claims,
            x is null ? null : new TokenExchangeImport(x.Audiences, x.SubjectAudiences, x.Delegation, x.Impersonation, x.IdTokenSubject, x.MaxLifetimeSeconds),
            s.CorsOrigins,
            s.Jwks);
    }

    /// <summary>Writes valid settings onto the entity with the importer's defaults for what is left out.</summary>
    public static void Apply(ClientEntity e, ClientSettings s, IReadOnlyDictionary<string, ClaimValueType> claimTypes)
    {
        e.Type = s.Type ?? "confidential";
        e.DisplayName = string.IsNullOrWhiteSpace(s.DisplayName) ? null : s.DisplayName;
        e.Enabled = s.Enabled ?? true;
        e.GrantTypes = Distinct(s.GrantTypes);
        e.RedirectUris = Distinct(s.RedirectUris);
        e.PostLogoutRedirectUris = Distinct(s.PostLogoutRedirectUris);
        e.AllowedScopes = Distinct(s.AllowedScopes);
        e.DefaultScopes = Distinct(s.DefaultScopes);
        e.AllowedApis = Distinct(s.AllowedApis);
        e.IntrospectionApis = Distinct(s.IntrospectionApis);
        e.AccessTokenFormat = s.AccessTokenFormat ?? "opaque";
        e.AccessTokenLifetimeSeconds = s.AccessTokenLifetimeSeconds ?? 3600;
        e.RefreshTokenLifetimeSeconds = s.RefreshTokenLifetimeSeconds ?? 30 * 86_400;
        e.RefreshTokenIdleSeconds = s.RefreshTokenIdleSeconds ?? 14 * 86_400;
        e.PkceOptional = s.RequirePkce == false;
        e.RequireConsent = s.RequireConsent ?? false;
        e.RequireMfa = s.RequireMfa ?? false;
        e.IdTokenSigningAlgorithm = s.IdTokenSigningAlgorithm ?? "RS256";
        e.AllowedCorsOrigins = Distinct(s.CorsOrigins);
        e.Jwks = s.Jwks is { } jwks ? Protocol.Clients.ClientJwks.Validate(jwks).Json : null;
        e.TokenExchange = s.TokenExchange is not { } x ? null : TokenExchangeJson.Write(Distinct(x.Audiences), Distinct(x.SubjectAudiences),
            x.Delegation ?? false, x.Impersonation ?? false, x.IdTokenSubject ?? false, x.MaxLifetimeSeconds ?? 300);
        UserClaimsImporter.Replace(e.Claims, s.Claims, claimTypes,
            (type, value) => new ClientClaimEntity { Type = type, Value = value }, c => (c.Type, c.Value));
    }

    /// <summary>The audit log's picture of a client: its id, settings and secret metadata; never the secret or its hash.</summary>
    public static JsonElement Snapshot(ClientEntity e) => JsonSerializer.SerializeToElement(ToDetails(e), Json);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Claim values as the import file writes them: one value as itself, several as an array (stored order).</summary>
    private static Dictionary<string, JsonElement> ClaimMap(List<ClientClaimEntity> claims) =>
        claims.OrderBy(c => c.Id).GroupBy(c => c.Type, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => g.Count() == 1
                ? JsonSerializer.SerializeToElement(g.First().Value)
                : JsonSerializer.SerializeToElement(g.Select(c => c.Value).ToList()),
            StringComparer.Ordinal);

    private static List<string?> List(IEnumerable<string>? values) => (values ?? []).Select(v => (string?)v).ToList();

    private static List<string> Distinct(List<string?>? values) =>
        (values ?? []).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
}
