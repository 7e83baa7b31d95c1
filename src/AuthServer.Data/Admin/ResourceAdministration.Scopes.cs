using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin;

// Scopes and the claim types each releases (the scope → claim mapping).
public sealed partial class ResourceAdministration
{
    private static readonly Dictionary<string, string> IdentityScopeDescriptions = new(StringComparer.Ordinal)
    {
        [IdentityScopes.OpenId] = "OpenID Connect sign-in: an ID token with the user's id",
        [IdentityScopes.Profile] = "The user's standard profile claims",
        [IdentityScopes.Email] = "The user's email address",
        [IdentityScopes.OfflineAccess] = "Refresh tokens",
    };

    /// <summary>The store's scopes and the built-in OpenID Connect ones, by name.</summary>
    public async Task<(IReadOnlyList<ScopeView> Items, int Total)> ListScopesAsync(string? search, int skip, int take, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var stored = (await db.Scopes.AsNoTracking().ToListAsync(ct)).Select(View);
        var all = stored.Concat(IdentityScopes.All.Select(IdentityScopeView))
            .Where(s => ResourceChanges.Matches(search, s.Name, s.Description))
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        return (ResourceChanges.Page(all, skip, take), all.Count);
    }

    public async Task<ScopeView?> GetScopeAsync(string name, CancellationToken ct)
    {
        if (IdentityScopes.All.Contains(name))
        {
            return IdentityScopeView(name);
        }

        await using var db = database.CreateContext();
        var entity = await db.Scopes.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct);
        return entity is null ? null : View(entity);
    }

    public async Task<ResourceResult<ScopeView>> CreateScopeAsync(ScopeCreateRequest request, AdminCaller by, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var errors = new List<ResourceError>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new("name", "is required"));
        }
        else if ((ResourceRules.ScopeNameError(request.Name) ?? ResourceRules.IdentityScopeError(request.Name)) is { } problem)
        {
            errors.Add(new("name", problem));
        }

        await CheckScopeFieldsAsync(db, errors, request.Description, request.Claims, ct);
        if (errors.Count > 0)
        {
            return ResourceResult<ScopeView>.Invalid(errors);
        }

        var now = time.GetUtcNow();
        var entity = new ScopeEntity
        {
            Name = request.Name!, Description = Text(request.Description), Claims = ResourceChanges.Distinct(request.Claims),
            CreatedAt = now, UpdatedAt = now,
        };
        if (await db.Scopes.AnyAsync(s => s.Name == entity.Name, ct))
        {
            return ResourceResult<ScopeView>.Refused($"There is already a scope named '{entity.Name}'.");
        }

        db.Scopes.Add(entity);
        if (!await ResourceChanges.TrySaveNewAsync(db, ct))
        {
            return ResourceResult<ScopeView>.Refused($"There is already a scope named '{entity.Name}'.");
        }

        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.scope.created", ScopeTarget(entity.Name), null, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ScopeView>.Ok(after);
    }

    /// <summary>Sets the description and the claim types the scope releases; a new token then carries the new claims.</summary>
    public async Task<ResourceResult<ScopeView>> UpdateScopeAsync(string name, ScopeUpdateRequest request, AdminCaller by, CancellationToken ct)
    {
        if (IdentityScopes.All.Contains(name))
        {
            return ResourceResult<ScopeView>.Refused(ResourceRules.IdentityScopeError(name)!);
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.Scopes.FirstOrDefaultAsync(s => s.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<ScopeView>.Missing();
        }

        var errors = new List<ResourceError>();
        await CheckScopeFieldsAsync(db, errors, request.Description, request.Claims, ct);
        if (errors.Count > 0)
        {
            return ResourceResult<ScopeView>.Invalid(errors);
        }

        var before = View(entity);
        entity.Description = Text(request.Description);
        entity.Claims = ResourceChanges.Distinct(request.Claims);
        entity.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.scope.updated", ScopeTarget(name), before, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ScopeView>.Ok(after);
    }

    /// <summary>Refused while an API accepts the scope or a client may ask for it: those are named.</summary>
    public async Task<ResourceResult<bool>> DeleteScopeAsync(string name, AdminCaller by, CancellationToken ct)
    {
        if (IdentityScopes.All.Contains(name))
        {
            return ResourceResult<bool>.Refused($"'{name}' is a built-in OpenID Connect scope; it cannot be deleted.");
        }

        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.Scopes.FirstOrDefaultAsync(s => s.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<bool>.Missing();
        }

        if (name == builtIn.ScopeName)
        {
            return ResourceResult<bool>.Refused($"'{name}' is the built-in admin scope; it cannot be deleted.");
        }

        var apis = (await db.Apis.AsNoTracking().Select(a => new { a.Name, a.Scopes }).ToListAsync(ct))
            .Where(a => a.Scopes.Contains(name)).Select(a => a.Name).ToList();
        var clients = (await db.Clients.AsNoTracking().Select(c => new { c.ClientId, c.AllowedScopes, c.DefaultScopes }).ToListAsync(ct))
            .Where(c => c.AllowedScopes.Contains(name) || c.DefaultScopes.Contains(name)).Select(c => c.ClientId).ToList();
        if (apis.Count > 0 || clients.Count > 0)
        {
            var users = new List<string>();
            if (apis.Count > 0)
            {
                users.Add($"APIs {ResourceChanges.Names(apis)}");
            }

            if (clients.Count > 0)
            {
                users.Add($"clients {ResourceChanges.Names(clients)}");
            }

            return ResourceResult<bool>.Refused($"The scope '{name}' is still used by {string.Join(" and ", users)}. Remove it from them first.");
        }

        var before = View(entity);
        db.Scopes.Remove(entity);
        await db.SaveChangesAsync(ct);
        await ResourceChanges.AuditAsync(db, time, by, "admin.scope.deleted", ScopeTarget(name), before, null, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<bool>.Ok(true);
    }

    private static async Task CheckScopeFieldsAsync(
        AuthServerDbContext db, List<ResourceError> errors, string? description, List<string?>? claims, CancellationToken ct)
    {
        if (ResourceRules.MaxLengthError(description, ResourceRules.DescriptionMaxLength) is { } tooLong)
        {
            errors.Add(new("description", tooLong));
        }

        // As in an import: a scope releases claim types the store defines, or standard OpenID Connect ones.
        var known = (await db.ClaimTypes.Select(t => t.Name).ToListAsync(ct))
            .Concat(StandardClaims.Types.Select(t => t.Name)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < (claims?.Count ?? 0); i++)
        {
            if (claims![i] is not { } claim || !known.Contains(claim))
            {
                errors.Add(new($"claims[{i}]", "names no defined claim type; define the claim type first"));
            }
        }
    }

    private ScopeView View(ScopeEntity e) =>
        new(e.Name, e.Description, e.Claims?.ToList() ?? [], e.Name == builtIn.ScopeName, e.CreatedAt, e.UpdatedAt);

    private static ScopeView IdentityScopeView(string name) => new(name, IdentityScopeDescriptions[name],
        StandardClaims.ByIdentityScope.GetValueOrDefault(name)?.ToList() ?? [], BuiltIn: true, null, null);

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string ScopeTarget(string name) => $"scope:{name}";
}
