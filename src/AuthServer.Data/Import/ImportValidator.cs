using System.Text.RegularExpressions;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Secrets;

namespace AuthServer.Data.Import;

/// <summary>Checks an import document against itself and the database; every error carries the JSON path.</summary>
internal sealed partial class ImportValidator(
    IReadOnlySet<string> supportedGrantTypes, IReadOnlySet<string> knownScopes, IReadOnlySet<string> knownApis, ImportUsersPolicy users)
{
    private readonly List<ImportError> _errors = [];

    /// <summary>Where a referenced scope or API may be defined, as error messages say it.</summary>
    public string Catalog { get; init; } = "the file or the database";

    public IReadOnlyList<ImportError> Validate(ImportDocument doc)
    {
        // The OpenID Connect scopes are built in: clients may list them without the file defining them.
        var scopes = new HashSet<string>(knownScopes.Concat(IdentityScopes.All), StringComparer.Ordinal);
        var apis = new HashSet<string>(knownApis, StringComparer.Ordinal);
        ValidateClaimTypes(doc.ClaimTypes);

        Each(doc.Scopes, "$.scopes", (s, path, seen) =>
        {
            if (Name(s.Name, $"{path}.name", seen) is { } name)
            {
                Check(ResourceRules.ScopeNameError(name), $"{path}.name");

                scopes.Add(name);
            }

            MaxLength(s.Description, $"{path}.description", ResourceRules.DescriptionMaxLength);
            ValidateScopeClaims(s, path);
        });

        Each(doc.Apis, "$.apis", (a, path, seen) =>
        {
            if (Name(a.Name, $"{path}.name", seen) is { } name)
            {
                Check(ResourceRules.ApiNameError(name), $"{path}.name");

                apis.Add(name);
            }

            MaxLength(a.DisplayName, $"{path}.displayName", ResourceRules.DisplayNameMaxLength);
            Check(ResourceRules.SigningAlgorithmError(a.SigningAlgorithm), $"{path}.signingAlgorithm");
        });

        // API scopes may name scopes defined anywhere in the file, so they are checked after all scopes.
        Each(doc.Apis, "$.apis", (a, path, _) => References(a.Scopes, $"{path}.scopes", scopes, "scope"));

        Each(doc.Clients, "$.clients", (c, path, seen) => ValidateClient(c, path, seen, scopes, apis));
        ValidateUsers(doc.Users);
        ValidateUserClaims(doc.UserClaims);
        return _errors;
    }

    /// <summary>
    /// One client on its own, against the catalog this validator was made with (the admin API and pages use it, so a
    /// client is held to the same rules however it is written). Paths start at "$", the client object.
    /// </summary>
    public IReadOnlyList<ImportError> ValidateClient(ClientImport client)
    {
        _claimTypes = new Dictionary<string, Protocol.Claims.ClaimValueType>(KnownClaimTypes, StringComparer.Ordinal);
        var scopes = new HashSet<string>(knownScopes.Concat(IdentityScopes.All), StringComparer.Ordinal);
        ValidateClient(client, "$", new HashSet<string>(StringComparer.Ordinal), scopes, knownApis.ToHashSet(StringComparer.Ordinal));
        return _errors;
    }

    private void ValidateClient(ClientImport c, string path, HashSet<string> seen, HashSet<string> scopes, HashSet<string> apis)
    {
        if (Name(c.ClientId, $"{path}.clientId", seen) is { } id && !ClientIdPattern().IsMatch(id))
        {
            Error($"{path}.clientId", "must be 1-200 characters of letters, digits, '.', '_', '~' or '-'");
        }

        MaxLength(c.DisplayName, $"{path}.displayName", 200);
        var type = c.Type ?? "confidential";
        if (type is not ("confidential" or "public"))
        {
            Error($"{path}.type", "must be 'confidential' or 'public'");
        }

        ValidateSecret(c.Secret, $"{path}.secret", type, hasKeys: c.Jwks is not null);
        ValidateJwks(c, path, type);

        // A client with no grant types can still authenticate, e.g. a gateway that only introspects.
        if (c.GrantTypes is not null)
        {
            for (var i = 0; i < c.GrantTypes.Count; i++)
            {
                var grant = c.GrantTypes[i];
                if (grant is null || !supportedGrantTypes.Contains(grant))
                {
                    Error($"{path}.grantTypes[{i}]", $"must be one of: {string.Join(", ", supportedGrantTypes.Order())}");
                }
                else if (grant == ClientCredentialsGrant.Name && type == "public")
                {
                    Error($"{path}.grantTypes[{i}]", "client_credentials needs a confidential client");
                }
            }
        }

        References(c.AllowedScopes, $"{path}.allowedScopes", scopes, "scope");
        References(c.AllowedApis, $"{path}.allowedApis", apis, "API");
        References(c.IntrospectionApis, $"{path}.introspectionApis", apis, "API");
        var allowed = (c.AllowedScopes ?? []).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < (c.DefaultScopes?.Count ?? 0); i++)
        {
            if (c.DefaultScopes![i] is not { } scope || !allowed.Contains(scope))
            {
                Error($"{path}.defaultScopes[{i}]", "must also be listed in allowedScopes");
            }
        }

        if (c.AccessTokenFormat is not (null or "opaque" or "jwt"))
        {
            Error($"{path}.accessTokenFormat", "must be 'opaque' or 'jwt'");
        }

        if (c.AccessTokenLifetimeSeconds is < 60 or > 86_400)
        {
            Error($"{path}.accessTokenLifetimeSeconds", "must be between 60 and 86400");
        }

        ValidateSignIn(c, path, type);
        ClaimValues(c.Claims, $"{path}.claims");
        ValidateTokenExchange(c, path, apis);
    }

    private void ValidateUsers(List<UserImport?>? list)
    {
        if (list is null)
        {
            return;
        }

        if (!users.Allowed)
        {
            Error("$.users", "test users can only be imported in the Development environment (ASPNETCORE_ENVIRONMENT=Development); create real users with `authserver users add`");
            return;
        }

        Each(list, "$.users", (u, path, seen) =>
        {
            Name(u.UserName, $"{path}.userName", seen);
            if (u.Password is null || u.Password.Length < users.MinimumPasswordLength)
            {
                Error($"{path}.password", $"must be at least {users.MinimumPasswordLength} characters");
            }

            MaxLength(u.Email, $"{path}.email", 256);
            ClaimValues(u.Claims, $"{path}.claims");
            for (var i = 0; i < (u.Roles?.Count ?? 0); i++)
            {
                if (string.IsNullOrWhiteSpace(u.Roles![i]))
                {
                    Error($"{path}.roles[{i}]", "must be a role name");
                }
            }
        });
    }

    private void ValidateSignIn(ClientImport c, string path, string type)
    {
        RedirectUriList(c.RedirectUris, $"{path}.redirectUris");
        RedirectUriList(c.PostLogoutRedirectUris, $"{path}.postLogoutRedirectUris");
        for (var i = 0; i < (c.CorsOrigins?.Count ?? 0); i++)
        {
            if (CorsOrigins.RegistrationError(c.CorsOrigins![i]) is { } problem)
            {
                Error($"{path}.corsOrigins[{i}]", problem);
            }
        }

        if (c.RequirePkce == false && type == "public")
        {
            Error($"{path}.requirePkce", "a public client always uses PKCE (RFC 9700 §2.1.1)");
        }

        if (c.IdTokenSigningAlgorithm is not (null or SigningAlgorithms.RS256 or SigningAlgorithms.ES256))
        {
            Error($"{path}.idTokenSigningAlgorithm", "must be 'RS256' or 'ES256'");
        }

        if (c.RefreshTokenLifetimeSeconds is < 300 or > 365 * 86_400)
        {
            Error($"{path}.refreshTokenLifetimeSeconds", "must be between 300 and 31536000");
        }

        if (c.RefreshTokenIdleSeconds is < 300 or > 365 * 86_400)
        {
            Error($"{path}.refreshTokenIdleSeconds", "must be between 300 and 31536000");
        }
        else if (c.RefreshTokenIdleSeconds > (c.RefreshTokenLifetimeSeconds ?? 30 * 86_400))
        {
            Error($"{path}.refreshTokenIdleSeconds", "must not be longer than refreshTokenLifetimeSeconds");
        }
    }

    private void RedirectUriList(List<string?>? uris, string path)
    {
        for (var i = 0; i < (uris?.Count ?? 0); i++)
        {
            if (RedirectUris.RegistrationError(uris![i]) is { } problem)
            {
                Error($"{path}[{i}]", problem);
            }
        }
    }

    private void ValidateSecret(SecretImport? s, string path, string type, bool hasKeys)
    {
        if (type == "public")
        {
            if (s is not null)
            {
                Error(path, "a public client has no secret");
            }

            return;
        }

        // A client registered with keys (jwks) may have no secret: it then authenticates only with private_key_jwt.
        if (s is null && hasKeys)
        {
            return;
        }

        var given = (s?.Value is not null ? 1 : 0) + (s?.Hash is not null ? 1 : 0) + (s?.Generate == true ? 1 : 0);
        if (s is null || given != 1)
        {
            Error(path, "a confidential client needs exactly one of: value, hash, or generate: true (or jwks alone, for private_key_jwt)");
            return;
        }

        if (s.Value is not null && s.Value.Length < SecretHasher.MinimumLength)
        {
            Error($"{path}.value", $"must be at least {SecretHasher.MinimumLength} characters (256 bits); or use generate: true");
        }

        if (s.Hash is not null && !SecretHasher.IsWellFormedHash(s.Hash))
        {
            Error($"{path}.hash", "must be 'sha256:' followed by the base64 SHA-256 of the secret");
        }
    }

    private void Each<T>(List<T?>? items, string path, Action<T, string, HashSet<string>> check)
        where T : class
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            if (items![i] is { } item)
            {
                check(item, $"{path}[{i}]", seen);
            }
            else
            {
                Error($"{path}[{i}]", "must be an object");
            }
        }
    }

    private string? Name(string? value, string path, HashSet<string> seen)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Error(path, "is required");
            return null;
        }

        if (value.Length > 400)
        {
            Error(path, "is too long");
        }

        if (!seen.Add(value))
        {
            Error(path, $"'{value}' appears more than once in the file");
        }

        return value;
    }

    private void References(List<string?>? values, string path, HashSet<string> known, string what)
    {
        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            if (values![i] is not { } value || !known.Contains(value))
            {
                Error($"{path}[{i}]", $"names no {what} defined in {Catalog}");
            }
        }
    }

    private void MaxLength(string? value, string path, int max) => Check(ResourceRules.MaxLengthError(value, max), path);

    private void Check(string? message, string path)
    {
        if (message is not null)
        {
            Error(path, message);
        }
    }

    private void Error(string path, string message) => _errors.Add(new ImportError(path, message));

    [GeneratedRegex("^[A-Za-z0-9._~-]{1,200}$")]
    private static partial Regex ClientIdPattern();
}
