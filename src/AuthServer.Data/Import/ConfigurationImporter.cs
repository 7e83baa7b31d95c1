using System.Text.Json;
using System.Text.Json.Serialization;
using AuthServer.Data.Entities;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Secrets;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Import;

/// <summary>
/// `authserver import`: creates or updates scopes, APIs and clients from a JSON file in one transaction.
/// The same file twice changes nothing; a bad file changes nothing and reports every bad field by path.
/// Entities missing from the file are left alone.
/// </summary>
public sealed class ConfigurationImporter(
    AuthServerDatabase database, TimeProvider time, IEnumerable<string> supportedGrantTypes, ImportUsersPolicy? users = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new NulFreeStringConverter() },
    };

    public async Task<ImportResult> ImportAsync(string json, CancellationToken cancellationToken)
    {
        ImportDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<ImportDocument>(json, Json);
        }
        catch (JsonException e)
        {
            return Failed(new ImportError(e.Path ?? "$", Describe(e)));
        }

        if (doc is null)
        {
            return Failed(new ImportError("$", "the file must hold a JSON object"));
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var scopes = await db.Scopes.ToDictionaryAsync(s => s.Name, StringComparer.Ordinal, cancellationToken);
        var apis = await db.Apis.ToDictionaryAsync(a => a.Name, StringComparer.Ordinal, cancellationToken);
        var claimTypes = await db.ClaimTypes.ToDictionaryAsync(t => t.Name, StringComparer.Ordinal, cancellationToken);

        var known = StandardClaims.Types.ToDictionary(t => t.Name, t => t.ValueType, StringComparer.Ordinal);
        foreach (var t in claimTypes.Values)
        {
            known[t.Name] = ClaimValueTypes.Parse(t.ValueType) ?? ClaimValueType.String;
        }

        var errors = new ImportValidator(supportedGrantTypes.ToHashSet(StringComparer.Ordinal),
            scopes.Keys.ToHashSet(StringComparer.Ordinal), apis.Keys.ToHashSet(StringComparer.Ordinal), users ?? ImportUsersPolicy.Refused)
        {
            KnownClaimTypes = known,
        }.Validate(doc);
        if (errors.Count > 0)
        {
            return new ImportResult(errors, [], []);
        }

        var now = time.GetUtcNow();
        var changes = new List<string>();
        var generated = new List<(string, string)>();
        foreach (var t in doc.ClaimTypes ?? [])
        {
            var entity = claimTypes.GetValueOrDefault(t!.Name!) ?? Track(db, new ClaimTypeEntity { Name = t.Name!, CreatedAt = now });
            entity.Description = t.Description;
            entity.ValueType = t.ValueType ?? "string";
            entity.Sensitive = t.Sensitive ?? false;
            claimTypes[entity.Name] = entity;
            Report(db, entity, $"claim type '{t.Name}'", changes, now);
        }

        foreach (var s in doc.Scopes ?? [])
        {
            var entity = scopes.GetValueOrDefault(s!.Name!) ?? Track(db, new ScopeEntity { Name = s.Name!, CreatedAt = now });
            entity.Description = s.Description;
            var released = Distinct(s.Claims);
            if (!(entity.Claims ?? []).SequenceEqual(released))
            {
                entity.Claims = released;
            }

            Report(db, entity, $"scope '{s.Name}'", changes, now);
        }

        foreach (var a in doc.Apis ?? [])
        {
            var entity = apis.GetValueOrDefault(a!.Name!) ?? Track(db, new ApiEntity { Name = a.Name!, CreatedAt = now });
            entity.DisplayName = a.DisplayName;
            entity.Scopes = Distinct(a.Scopes);
            entity.SigningAlgorithm = a.SigningAlgorithm ?? "ES256";
            entity.Enabled = a.Enabled ?? true;
            entity.Internal = a.Internal ?? false;
            Report(db, entity, $"API '{a.Name}'", changes, now);
        }

        var types = known.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var t in claimTypes.Values)
        {
            types[t.Name] = ClaimValueTypes.Parse(t.ValueType) ?? ClaimValueType.String;
        }

        foreach (var c in doc.Clients ?? [])
        {
            await ImportClientAsync(db, c!, types, now, changes, generated, cancellationToken);
        }

        foreach (var u in doc.Users ?? [])
        {
            await ImportUserAsync(db, u!, now, changes, cancellationToken);
        }

        var userClaims = (doc.Users ?? []).Where(u => u!.Claims is not null).Select(u => new UserClaimsImport(u!.UserName, u.Claims))
            .Concat((doc.UserClaims ?? []).OfType<UserClaimsImport>());
        var missing = new List<ImportError>();
        foreach (var u in userClaims)
        {
            if (!await UserClaimsImporter.ApplyAsync(db, u, types, changes, cancellationToken))
            {
                missing.Add(new ImportError("$.userClaims", $"names no user '{u.UserName}'; create the user first (`authserver users add`)"));
            }
        }

        if (missing.Count > 0)
        {
            return new ImportResult(missing, [], []);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ImportResult([], changes, generated);
    }

    private static async Task ImportClientAsync(AuthServerDbContext db, ClientImport c, IReadOnlyDictionary<string, ClaimValueType> types,
        DateTimeOffset now, List<string> changes, List<(string, string)> generated, CancellationToken ct)
    {
        var entity = await db.Clients.Include(x => x.Secrets).Include(x => x.Claims).FirstOrDefaultAsync(x => x.ClientId == c.ClientId, ct)
            ?? Track(db, new ClientEntity { ClientId = c.ClientId!, CreatedAt = now });
        entity.DisplayName = c.DisplayName;
        entity.Type = c.Type ?? "confidential";
        entity.Enabled = c.Enabled ?? true;
        entity.GrantTypes = Distinct(c.GrantTypes);
        entity.AllowedScopes = Distinct(c.AllowedScopes);
        entity.DefaultScopes = Distinct(c.DefaultScopes);
        entity.AllowedApis = Distinct(c.AllowedApis);
        entity.IntrospectionApis = Distinct(c.IntrospectionApis);
        entity.AccessTokenFormat = c.AccessTokenFormat ?? "opaque";
        entity.AccessTokenLifetimeSeconds = c.AccessTokenLifetimeSeconds ?? 3600;
        entity.RedirectUris = c.RedirectUris is null ? null : Distinct(c.RedirectUris);
        entity.PostLogoutRedirectUris = c.PostLogoutRedirectUris is null ? null : Distinct(c.PostLogoutRedirectUris);
        entity.PkceOptional = c.RequirePkce == false;
        entity.RequireConsent = c.RequireConsent ?? false;
        entity.RequireMfa = c.RequireMfa ?? false;
        entity.IdTokenSigningAlgorithm = c.IdTokenSigningAlgorithm ?? "RS256";
        entity.RefreshTokenLifetimeSeconds = c.RefreshTokenLifetimeSeconds ?? 30 * 86_400;
        entity.RefreshTokenIdleSeconds = c.RefreshTokenIdleSeconds ?? 14 * 86_400;
        var exchange = c.TokenExchange is not { } x ? null : TokenExchangeJson.Write(Distinct(x.Audiences), Distinct(x.SubjectAudiences),
            x.Delegation ?? false, x.Impersonation ?? false, x.IdTokenSubject ?? false, x.MaxLifetimeSeconds ?? 300);
        entity.TokenExchange = exchange;
        entity.AllowedCorsOrigins = c.CorsOrigins is null ? null : Distinct(c.CorsOrigins);
        entity.Jwks = c.Jwks is { } jwks ? Protocol.Clients.ClientJwks.Validate(jwks).Json : null;
        var claimsChanged = UserClaimsImporter.Replace(entity.Claims, c.Claims, types,
            (type, value) => new ClientClaimEntity { Type = type, Value = value }, e => (e.Type, e.Value));

        var secretChanged = false;
        string? wantedHash = c.Secret?.Value is { } value ? SecretHasher.Hash(value) : c.Secret?.Hash;
        if (entity.Type == "public" || (c.Secret is null && entity.Jwks is not null))
        {
            // A public client has no secret; a client registered with keys and no secret authenticates only with them.
            secretChanged = entity.Secrets.Count > 0;
            entity.Secrets.Clear();
        }
        else if (wantedHash is not null && entity.Secrets.All(s => s.Hash != wantedHash))
        {
            // A new secret in the file replaces the old ones.
            entity.Secrets.Clear();
            entity.Secrets.Add(new ClientSecretEntity { Hash = wantedHash, CreatedAt = now });
            secretChanged = true;
        }
        else if (c.Secret?.Generate == true && entity.Secrets.Count == 0)
        {
            // Generated only once: a client that already has a secret keeps it, so a re-import changes nothing.
            var secret = SecretHasher.Generate();
            entity.Secrets.Add(new ClientSecretEntity { Hash = SecretHasher.Hash(secret), CreatedAt = now });
            generated.Add((entity.ClientId, secret));
            secretChanged = true;
        }

        Report(db, entity, $"client '{c.ClientId}'", changes, now, secretChanged || claimsChanged);
    }

    /// <summary>
    /// A test user, created as ASP.NET Core Identity would (normalized names, its password hasher, a security stamp)
    /// and in the same transaction as the rest of the file. An existing user is left as it is.
    /// </summary>
    private static async Task ImportUserAsync(AuthServerDbContext db, UserImport u, DateTimeOffset now, List<string> changes, CancellationToken ct)
    {
        var normalizer = new Microsoft.AspNetCore.Identity.UpperInvariantLookupNormalizer();
        var normalizedName = normalizer.NormalizeName(u.UserName!);
        if (await db.Users.AnyAsync(x => x.NormalizedUserName == normalizedName, ct))
        {
            changes.Add($"unchanged user '{u.UserName}' (its password is not reset)");
            return;
        }

        var user = new UserEntity
        {
            UserName = u.UserName,
            NormalizedUserName = normalizedName,
            Email = u.Email,
            NormalizedEmail = u.Email is null ? null : normalizer.NormalizeEmail(u.Email),
            SecurityStamp = Guid.NewGuid().ToString("N"),
            LockoutEnabled = true,
            CreatedAt = now,
        };
        user.PasswordHash = new Microsoft.AspNetCore.Identity.PasswordHasher<UserEntity>().HashPassword(user, u.Password!);
        db.Users.Add(user);
        foreach (var roleName in (u.Roles ?? []).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var normalizedRole = normalizer.NormalizeName(roleName);
            var role = db.Roles.Local.FirstOrDefault(r => r.NormalizedName == normalizedRole)
                ?? await db.Roles.FirstOrDefaultAsync(r => r.NormalizedName == normalizedRole, ct)
                ?? Track(db, new Microsoft.AspNetCore.Identity.IdentityRole(roleName) { NormalizedName = normalizedRole });
            db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = user.Id, RoleId = role.Id });
        }

        changes.Add($"created test user '{u.UserName}'");
    }

    private static T Track<T>(AuthServerDbContext db, T entity)
        where T : class
    {
        db.Add(entity);
        return entity;
    }

    private static void Report(AuthServerDbContext db, object entity, string what, List<string> changes, DateTimeOffset now, bool alsoChanged = false)
    {
        db.ChangeTracker.DetectChanges();
        var entry = db.Entry(entity);
        if (entry.State == EntityState.Added)
        {
            if (entry.Metadata.FindProperty("UpdatedAt") is not null)
            {
                entry.Property("UpdatedAt").CurrentValue = now;
            }

            changes.Add($"created {what}");
        }
        else if (entry.State == EntityState.Modified || alsoChanged)
        {
            if (entry.Metadata.FindProperty("UpdatedAt") is not null)
            {
                entry.Property("UpdatedAt").CurrentValue = now;
            }

            changes.Add($"updated {what}");
        }
        else
        {
            changes.Add($"unchanged {what}");
        }
    }

    private static List<string> Distinct(List<string?>? values) =>
        (values ?? []).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    private static ImportResult Failed(ImportError error) => new([error], [], []);

    private static string Describe(JsonException e)
    {
        // The parser's message names the member and the expected type; keep its first sentence only.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>
/// No string of an import file may hold NUL (written \u0000): PostgreSQL text cannot store it, and no name, URI or
/// value here needs it. Refused while the file is read, so the error names the field's path and nothing is written.
/// </summary>
internal sealed class NulFreeStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        return value is not null && value.Contains('\0')
            ? throw new JsonException("a string may not hold a NUL character (\\u0000)")
            : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
