using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Claims;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin;

/// <summary>
/// Claim types of the claims store for the admin API and pages: the OpenID Connect standard ones are listed as built
/// in and cannot be changed. One transaction and one audit event per change; the catalog cache is dropped after it.
/// </summary>
public sealed class ClaimTypeAdministration(AuthServerDatabase database, TimeProvider time, ResourceStore? catalogCache)
{
    private static readonly IReadOnlySet<string> Standard = StandardClaims.Types.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public async Task<(IReadOnlyList<ClaimTypeView> Items, int Total)> ListAsync(string? search, int skip, int take, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var stored = (await db.ClaimTypes.AsNoTracking().ToListAsync(ct)).Select(View);
        var all = stored.Concat(StandardClaims.Types.Select(StandardView))
            .Where(t => ResourceChanges.Matches(search, t.Name, t.Description))
            .OrderBy(t => t.BuiltIn).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        return (ResourceChanges.Page(all, skip, take), all.Count);
    }

    public async Task<ClaimTypeView?> GetAsync(string name, CancellationToken ct)
    {
        if (StandardClaims.Types.FirstOrDefault(t => t.Name == name) is { } standard)
        {
            return StandardView(standard);
        }

        await using var db = database.CreateContext();
        var entity = await db.ClaimTypes.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        return entity is null ? null : View(entity);
    }

    public async Task<ResourceResult<ClaimTypeView>> CreateAsync(ClaimTypeCreateRequest request, AdminCaller by, CancellationToken ct)
    {
        var errors = new List<ResourceError>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new("name", "is required"));
        }
        else if (Standard.Contains(request.Name))
        {
            errors.Add(new("name", $"'{request.Name}' is a built-in OpenID Connect claim (Core §5.1); it is already defined"));
        }
        else if (ResourceRules.ClaimTypeNameError(request.Name) is { } problem)
        {
            errors.Add(new("name", problem));
        }

        CheckFields(errors, request.Description, request.ValueType);
        if (errors.Count > 0)
        {
            return ResourceResult<ClaimTypeView>.Invalid(errors);
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var entity = new ClaimTypeEntity
        {
            Name = request.Name!, Description = Text(request.Description), ValueType = ValueTypeName(request.ValueType),
            Sensitive = request.Sensitive ?? false, CreatedAt = now, UpdatedAt = now,
        };
        if (await db.ClaimTypes.AnyAsync(t => t.Name == entity.Name, ct))
        {
            return ResourceResult<ClaimTypeView>.Refused($"There is already a claim type named '{entity.Name}'.");
        }

        db.ClaimTypes.Add(entity);
        if (!await ResourceChanges.TrySaveNewAsync(db, ct))
        {
            return ResourceResult<ClaimTypeView>.Refused($"There is already a claim type named '{entity.Name}'.");
        }

        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.claim_type.created", Target(entity.Name), null, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ClaimTypeView>.Ok(after);
    }

    /// <summary>A new value type must fit every value already held, or those values would be written as plain text.</summary>
    public async Task<ResourceResult<ClaimTypeView>> UpdateAsync(string name, ClaimTypeUpdateRequest request, AdminCaller by, CancellationToken ct)
    {
        if (Standard.Contains(name))
        {
            return ResourceResult<ClaimTypeView>.Refused($"'{name}' is a built-in OpenID Connect claim; it cannot be changed.");
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.ClaimTypes.FirstOrDefaultAsync(t => t.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<ClaimTypeView>.Missing();
        }

        var errors = new List<ResourceError>();
        CheckFields(errors, request.Description, request.ValueType);
        if (errors.Count == 0 && ClaimValueTypes.Parse(request.ValueType) is { } valueType && ValueTypeName(request.ValueType) != entity.ValueType)
        {
            var misfits = (await HeldValuesAsync(db, name, ct)).Count(v => !ClaimsResolver.IsValid(valueType, v));
            if (misfits > 0)
            {
                errors.Add(new("valueType", $"{misfits} value(s) already held for this claim type are not {ClaimValueTypes.Name(valueType)} values; change them first"));
            }
        }

        if (errors.Count > 0)
        {
            return ResourceResult<ClaimTypeView>.Invalid(errors);
        }

        var before = View(entity);
        entity.Description = Text(request.Description);
        entity.ValueType = ValueTypeName(request.ValueType);
        entity.Sensitive = request.Sensitive ?? false;
        entity.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.claim_type.updated", Target(name), before, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ClaimTypeView>.Ok(after);
    }

    /// <summary>Refused while a scope releases the type, or a user or client holds a value of it: those are named.</summary>
    public async Task<ResourceResult<bool>> DeleteAsync(string name, AdminCaller by, CancellationToken ct)
    {
        if (Standard.Contains(name))
        {
            return ResourceResult<bool>.Refused($"'{name}' is a built-in OpenID Connect claim; it cannot be deleted.");
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.ClaimTypes.FirstOrDefaultAsync(t => t.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<bool>.Missing();
        }

        var reasons = await ReferencesAsync(db, name, ct);
        if (reasons.Count > 0)
        {
            return ResourceResult<bool>.Refused($"The claim type '{name}' is still {string.Join("; and ", reasons)}. Remove those first.");
        }

        var before = View(entity);
        db.ClaimTypes.Remove(entity);
        await db.SaveChangesAsync(ct);
        await ResourceChanges.AuditAsync(db, time, by, "admin.claim_type.deleted", Target(name), before, null, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<bool>.Ok(true);
    }

    private static async Task<List<string>> ReferencesAsync(AuthServerDbContext db, string name, CancellationToken ct)
    {
        var reasons = new List<string>();
        var scopes = (await db.Scopes.AsNoTracking().Select(s => new { s.Name, s.Claims }).ToListAsync(ct))
            .Where(s => s.Claims?.Contains(name) == true).Select(s => s.Name).ToList();
        if (scopes.Count > 0)
        {
            reasons.Add($"released by scopes {ResourceChanges.Names(scopes)}");
        }

        var clients = await db.ClientClaims.Where(c => c.Type == name)
            .Join(db.Clients, v => v.ClientId, c => c.Id, (_, c) => c.ClientId).Distinct().ToListAsync(ct);
        if (clients.Count > 0)
        {
            reasons.Add($"held by clients {ResourceChanges.Names(clients)}");
        }

        var users = await db.UserClaims.Where(c => c.ClaimType == name)
            .Join(db.Users, v => v.UserId, u => u.Id, (_, u) => u.UserName ?? u.Id).Distinct().ToListAsync(ct);
        if (users.Count > 0)
        {
            reasons.Add($"held by users {ResourceChanges.Names(users)}");
        }

        return reasons;
    }

    private static async Task<List<string>> HeldValuesAsync(AuthServerDbContext db, string name, CancellationToken ct)
    {
        var values = await db.ClientClaims.Where(c => c.Type == name).Select(c => c.Value).ToListAsync(ct);
        values.AddRange(await db.UserClaims.Where(c => c.ClaimType == name && c.ClaimValue != null).Select(c => c.ClaimValue!).ToListAsync(ct));
        return values;
    }

    private static void CheckFields(List<ResourceError> errors, string? description, string? valueType)
    {
        if (ResourceRules.MaxLengthError(description, ResourceRules.DescriptionMaxLength) is { } tooLong)
        {
            errors.Add(new("description", tooLong));
        }

        if (ResourceRules.ValueTypeError(valueType) is { } badType)
        {
            errors.Add(new("valueType", badType));
        }
    }

    private async Task CommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken ct)
    {
        await transaction.CommitAsync(ct);
        catalogCache?.Invalidate();
    }

    private static ClaimTypeView View(ClaimTypeEntity e) =>
        new(e.Name, e.Description, e.ValueType, e.Sensitive, BuiltIn: false, e.CreatedAt, e.UpdatedAt);

    private static ClaimTypeView StandardView(ClaimType t) =>
        new(t.Name, t.Description, ClaimValueTypes.Name(t.ValueType), t.Sensitive, BuiltIn: true, null, null);

    private static string ValueTypeName(string? valueType) => ClaimValueTypes.Name(ClaimValueTypes.Parse(valueType) ?? ClaimValueType.String);

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Target(string name) => $"claim_type:{name}";
}
