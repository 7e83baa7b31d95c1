using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Keys;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin;

/// <summary>
/// APIs and scopes for the admin API and pages. Each change is one transaction with its one audit event; after it
/// commits, this node's cached catalog is dropped so the next token issued here sees the change (other nodes see it
/// within the catalog's cache lifetime). Field rules are the importer's (<see cref="ResourceRules"/>).
/// </summary>
public sealed partial class ResourceAdministration(
    AuthServerDatabase database, TimeProvider time, BuiltInResources builtIn, ResourceStore? catalogCache)
{
    public async Task<(IReadOnlyList<ApiView> Items, int Total)> ListApisAsync(string? search, int skip, int take, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var all = (await db.Apis.AsNoTracking().ToListAsync(ct))
            .Where(a => ResourceChanges.Matches(search, a.Name, a.DisplayName))
            .OrderBy(a => a.Name, StringComparer.Ordinal).Select(View).ToList();
        return (ResourceChanges.Page(all, skip, take), all.Count);
    }

    public async Task<ApiView?> GetApiAsync(string name, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var entity = await db.Apis.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
        return entity is null ? null : View(entity);
    }

    public async Task<ResourceResult<ApiView>> CreateApiAsync(ApiCreateRequest request, AdminCaller by, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var errors = new List<ResourceError>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new("name", "is required"));
        }
        else if (ResourceRules.ApiNameError(request.Name) is { } problem)
        {
            errors.Add(new("name", problem));
        }

        await CheckApiFieldsAsync(db, errors, request.DisplayName, request.Scopes, request.SigningAlgorithm, ct);
        if (errors.Count > 0)
        {
            return ResourceResult<ApiView>.Invalid(errors);
        }

        var now = time.GetUtcNow();
        var entity = new ApiEntity { Name = request.Name!, CreatedAt = now, UpdatedAt = now };
        Apply(entity, request.DisplayName, request.Scopes, request.SigningAlgorithm, request.Enabled, request.Internal);
        if (await db.Apis.AnyAsync(a => a.Name == entity.Name, ct))
        {
            return ResourceResult<ApiView>.Refused($"There is already an API named '{entity.Name}'.");
        }

        db.Apis.Add(entity);
        if (!await ResourceChanges.TrySaveNewAsync(db, ct))
        {
            return ResourceResult<ApiView>.Refused($"There is already an API named '{entity.Name}'.");
        }

        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.api.created", ApiTarget(entity.Name), null, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ApiView>.Ok(after);
    }

    public async Task<ResourceResult<ApiView>> UpdateApiAsync(string name, ApiUpdateRequest request, AdminCaller by, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.Apis.FirstOrDefaultAsync(a => a.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<ApiView>.Missing();
        }

        var errors = new List<ResourceError>();
        await CheckApiFieldsAsync(db, errors, request.DisplayName, request.Scopes, request.SigningAlgorithm, ct);
        if (name == builtIn.ApiName)
        {
            // The admin API is how admins reach this server: it must stay enabled and keep the admin scope.
            if (request.Scopes?.Contains(builtIn.ScopeName) != true)
            {
                errors.Add(new("scopes", $"the built-in admin API must keep its scope '{builtIn.ScopeName}'"));
            }

            if (request.Enabled == false)
            {
                errors.Add(new("enabled", "the built-in admin API cannot be disabled"));
            }
        }

        if (errors.Count > 0)
        {
            return ResourceResult<ApiView>.Invalid(errors);
        }

        var before = View(entity);
        Apply(entity, request.DisplayName, request.Scopes, request.SigningAlgorithm, request.Enabled, request.Internal);
        entity.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        var after = View(entity);
        await ResourceChanges.AuditAsync(db, time, by, "admin.api.updated", ApiTarget(name), before, after, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<ApiView>.Ok(after);
    }

    /// <summary>Refused while a client may call, introspect for, or exchange tokens for the API: those clients are named.</summary>
    public async Task<ResourceResult<bool>> DeleteApiAsync(string name, AdminCaller by, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.Apis.FirstOrDefaultAsync(a => a.Name == name, ct);
        if (entity is null)
        {
            return ResourceResult<bool>.Missing();
        }

        if (name == builtIn.ApiName)
        {
            return ResourceResult<bool>.Refused($"'{name}' is the built-in admin API; it cannot be deleted.");
        }

        var clients = (await db.Clients.AsNoTracking()
                .Select(c => new { c.ClientId, c.AllowedApis, c.IntrospectionApis, c.TokenExchange }).ToListAsync(ct))
            .Where(c => c.AllowedApis.Contains(name) || c.IntrospectionApis.Contains(name) || ExchangesFor(c.TokenExchange, name))
            .Select(c => c.ClientId).ToList();
        if (clients.Count > 0)
        {
            return ResourceResult<bool>.Refused(
                $"The API '{name}' is still used by clients {ResourceChanges.Names(clients)} (allowed, introspection or token-exchange APIs). Remove it from them first.");
        }

        var before = View(entity);
        db.Apis.Remove(entity);
        await db.SaveChangesAsync(ct);
        await ResourceChanges.AuditAsync(db, time, by, "admin.api.deleted", ApiTarget(name), before, null, ct);
        await CommitAsync(transaction, ct);
        return ResourceResult<bool>.Ok(true);
    }

    private static async Task CheckApiFieldsAsync(
        AuthServerDbContext db, List<ResourceError> errors, string? displayName, List<string?>? scopes, string? algorithm, CancellationToken ct)
    {
        if (ResourceRules.MaxLengthError(displayName, ResourceRules.DisplayNameMaxLength) is { } tooLong)
        {
            errors.Add(new("displayName", tooLong));
        }

        if (ResourceRules.SigningAlgorithmError(algorithm) is { } badAlgorithm)
        {
            errors.Add(new("signingAlgorithm", badAlgorithm));
        }

        // As in an import, an API may accept any defined scope, the OpenID Connect ones included.
        var known = (await db.Scopes.Select(s => s.Name).ToListAsync(ct)).Concat(IdentityScopes.All).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < (scopes?.Count ?? 0); i++)
        {
            if (scopes![i] is not { } scope || !known.Contains(scope))
            {
                errors.Add(new($"scopes[{i}]", "names no defined scope; define the scope first"));
            }
        }
    }

    private static void Apply(ApiEntity e, string? displayName, List<string?>? scopes, string? algorithm, bool? enabled, bool? isInternal)
    {
        e.DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim();
        e.Scopes = ResourceChanges.Distinct(scopes);
        e.SigningAlgorithm = algorithm ?? SigningAlgorithms.Default;
        e.Enabled = enabled ?? true;
        e.Internal = isInternal ?? false;
    }

    private static bool ExchangesFor(string? policyJson, string api) =>
        TokenExchangeJson.Read(policyJson) is { } policy && (policy.Audiences.Contains(api) || policy.SubjectAudiences.Contains(api));

    private ApiView View(ApiEntity e) => new(e.Name, e.DisplayName, e.Scopes.ToList(), e.SigningAlgorithm, e.Enabled, e.Internal,
        e.Name == builtIn.ApiName, e.CreatedAt, e.UpdatedAt);

    private static string ApiTarget(string name) => $"api:{name}";

    /// <summary>Commits, then drops this node's cached catalog so the next token sees the change.</summary>
    private async Task CommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken ct)
    {
        await transaction.CommitAsync(ct);
        catalogCache?.Invalidate();
    }
}
