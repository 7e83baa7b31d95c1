using System.Text.Json;
using AuthServer.Data.Audit;
using AuthServer.Data.Entities;
using AuthServer.Data.Import;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Secrets;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin;

/// <summary>
/// Client administration for the admin API and pages. Each change is one transaction that also appends one audit
/// event (before and after, never a secret); settings are checked by the importer's rules; a new secret is 256 bits
/// from a CSPRNG, returned once and stored only as its hash. After a change the client is evicted from this node's
/// cache, so the next request here sees it; other nodes see it within the cache lifetime.
/// </summary>
public sealed class ClientAdministration(
    AuthServerDatabase database, TimeProvider time, IClientStore clients, GrantHandlers grants, TokenStoreSettings tokens)
{
    /// <summary>Clients whose id or display name contains <paramref name="search"/> (ignoring case), by id.</summary>
    public async Task<ClientList> ListAsync(string? search, int skip, int take, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var query = db.Clients.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
            query = query.Where(c => c.ClientId.ToLower().Contains(term) || (c.DisplayName != null && c.DisplayName.ToLower().Contains(term)));
        }

        var total = await query.LongCountAsync(ct);
        var rows = await query.OrderBy(c => c.ClientId).Skip(skip).Take(take)
            .Select(c => new { c.ClientId, c.DisplayName, c.Type, c.Enabled, c.GrantTypes, c.UpdatedAt })
            .ToListAsync(ct);
        return new ClientList(rows.Select(c => new ClientSummary(c.ClientId, c.DisplayName, c.Type, c.Enabled, c.GrantTypes, c.UpdatedAt)).ToList(), total);
    }

    public async Task<ClientDetails?> GetAsync(string clientId, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var entity = await LoadAsync(db, clientId, ct, tracked: false);
        return entity is null ? null : ClientMapping.ToDetails(entity);
    }

    /// <summary>The names a client's settings may use, for the pages' checkbox lists.</summary>
    public async Task<ClientCatalog> CatalogAsync(CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var scopes = await db.Scopes.AsNoTracking().Select(s => s.Name).ToListAsync(ct);
        var apis = await db.Apis.AsNoTracking().Select(a => a.Name).ToListAsync(ct);
        var claimTypes = await ClaimTypesAsync(db, ct);
        return new ClientCatalog(
            grants.Names,
            scopes.Concat(IdentityScopes.All).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            apis.Order(StringComparer.Ordinal).ToList(),
            claimTypes.Keys.Order(StringComparer.Ordinal).ToList());
    }

    public async Task<ClientChange> CreateAsync(NewClient request, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var claimTypes = await ClaimTypesAsync(db, ct);
        if (await ValidateAsync(db, ClientMapping.ToImport(request.ClientId, request), claimTypes, ct) is { Count: > 0 } errors)
        {
            return new ClientChange(ClientOutcome.Invalid, Errors: errors);
        }

        if (await db.Clients.AnyAsync(c => c.ClientId == request.ClientId, ct))
        {
            return Exists(request.ClientId!);
        }

        var now = time.GetUtcNow();
        var entity = new ClientEntity { ClientId = request.ClientId!, CreatedAt = now, UpdatedAt = now };
        ClientMapping.Apply(entity, request, claimTypes);
        // A client registered with keys authenticates with private_key_jwt; it gets a secret only when asked (rotate).
        var secret = entity.Type == "public" || entity.Jwks is not null ? null : NewSecret(entity, now);
        db.Clients.Add(entity);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another admin created the same id between the check and the insert: the unique index refused it.
            return Exists(request.ClientId!);
        }

        await AuditAsync(db, "admin.client.created", entity.ClientId, null, ClientMapping.Snapshot(entity), caller, null, ct);
        return await CommitAsync(transaction, entity, secret, ct);
    }

    /// <summary>Replaces every setting. A client that becomes public loses its secrets; one that becomes confidential gets one.</summary>
    public async Task<ClientChange> UpdateAsync(string clientId, ClientSettings settings, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LoadAsync(db, clientId, ct) is not { } entity)
        {
            return ClientChange.NotFound;
        }

        var claimTypes = await ClaimTypesAsync(db, ct);
        if (await ValidateAsync(db, ClientMapping.ToImport(clientId, settings), claimTypes, ct) is { Count: > 0 } errors)
        {
            return new ClientChange(ClientOutcome.Invalid, Errors: errors);
        }

        var before = ClientMapping.Snapshot(entity);
        var now = time.GetUtcNow();
        ClientMapping.Apply(entity, settings, claimTypes);
        string? secret = null;
        if (entity.Type == "public")
        {
            entity.Secrets.Clear();
        }
        else if (entity.Secrets.Count == 0 && entity.Jwks is null)
        {
            secret = NewSecret(entity, now);
        }

        entity.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await AuditAsync(db, "admin.client.updated", clientId, before, ClientMapping.Snapshot(entity), caller, null, ct);
        return await CommitAsync(transaction, entity, secret, ct);
    }

    /// <summary>A new secret replaces every current one at once: the old secret stops working with this commit.</summary>
    public async Task<ClientChange> RotateSecretAsync(string clientId, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LoadAsync(db, clientId, ct) is not { } entity)
        {
            return ClientChange.NotFound;
        }

        if (entity.Type == "public")
        {
            return ClientChange.Invalid(("type", "a public client has no secret to rotate"));
        }

        var now = time.GetUtcNow();
        entity.Secrets.Clear();
        var secret = NewSecret(entity, now);
        entity.UpdatedAt = now;
        await db.SaveChangesAsync(ct);

        // Only the fact: no secret, no hash, not even a prefix of either.
        await AuditAsync(db, "admin.client.secret_rotated", clientId, null, null, caller, "secret replaced; previous secrets revoked", ct);
        return await CommitAsync(transaction, entity, secret, ct);
    }

    public async Task<ClientChange> SetEnabledAsync(string clientId, bool enabled, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LoadAsync(db, clientId, ct) is not { } entity)
        {
            return ClientChange.NotFound;
        }

        var before = ClientMapping.Snapshot(entity);
        if (entity.Enabled != enabled)
        {
            entity.Enabled = enabled;
            entity.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(ct);
        }

        await AuditAsync(db, enabled ? "admin.client.enabled" : "admin.client.disabled", clientId, before, ClientMapping.Snapshot(entity),
            caller, null, ct);
        return await CommitAsync(transaction, entity, null, ct);
    }

    /// <summary>
    /// Deletes the client with its secrets and claim values, and revokes its active tokens and drops its codes and
    /// consents: a client later made again with the same id must not inherit them.
    /// </summary>
    public async Task<ClientChange> DeleteAsync(string clientId, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LoadAsync(db, clientId, ct) is not { } entity)
        {
            return ClientChange.NotFound;
        }

        var before = ClientMapping.Snapshot(entity);
        var now = time.GetUtcNow();
        var at = now.ToUnixTimeSeconds();
        var prune = (now + tokens.RevokedRetention).ToUnixTimeSeconds();
        var revoked = await db.Tokens.Where(t => t.ClientId == clientId && t.Status == "active").ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Status, "revoked")
            .SetProperty(t => t.RevokedAt, at)
            .SetProperty(t => t.PruneAfter, t => t.PruneAfter < prune ? t.PruneAfter : prune), ct);
        await db.AuthorizationCodes.Where(c => c.ClientId == clientId).ExecuteDeleteAsync(ct);
        await db.Consents.Where(c => c.ClientId == clientId).ExecuteDeleteAsync(ct);
        db.Clients.Remove(entity);
        await db.SaveChangesAsync(ct);
        await AuditAsync(db, "admin.client.deleted", clientId, before, null, caller, $"{revoked} active token(s) revoked", ct);
        await transaction.CommitAsync(ct);
        Evict(clientId);
        return new ClientChange(ClientOutcome.Done);
    }

    private static Task<ClientEntity?> LoadAsync(AuthServerDbContext db, string clientId, CancellationToken ct, bool tracked = true)
    {
        var query = db.Clients.Include(c => c.Secrets).Include(c => c.Claims).AsSplitQuery();
        return (tracked ? query : query.AsNoTracking()).FirstOrDefaultAsync(c => c.ClientId == clientId, ct);
    }

    /// <summary>The importer's rules for one client, against the scopes, APIs and claim types in the database.</summary>
    private async Task<IReadOnlyList<(string Path, string Message)>> ValidateAsync(
        AuthServerDbContext db, ClientImport client, IReadOnlyDictionary<string, ClaimValueType> claimTypes, CancellationToken ct)
    {
        var scopes = await db.Scopes.Select(s => s.Name).ToListAsync(ct);
        var apis = await db.Apis.Select(a => a.Name).ToListAsync(ct);
        var validator = new ImportValidator(grants.Names.ToHashSet(StringComparer.Ordinal), scopes.ToHashSet(StringComparer.Ordinal),
            apis.ToHashSet(StringComparer.Ordinal), ImportUsersPolicy.Refused)
        {
            KnownClaimTypes = claimTypes,
            Catalog = "the database",
        };

        // "$.redirectUris[1]" → "redirectUris[1]": the path of the member in the request body.
        return validator.ValidateClient(client)
            .Select(e => (e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path, e.Message))
            .ToList();
    }

    private static async Task<IReadOnlyDictionary<string, ClaimValueType>> ClaimTypesAsync(AuthServerDbContext db, CancellationToken ct)
    {
        var known = StandardClaims.Types.ToDictionary(t => t.Name, t => t.ValueType, StringComparer.Ordinal);
        foreach (var t in await db.ClaimTypes.AsNoTracking().Select(t => new { t.Name, t.ValueType }).ToListAsync(ct))
        {
            known[t.Name] = ClaimValueTypes.Parse(t.ValueType) ?? ClaimValueType.String;
        }

        return known;
    }

    private static string NewSecret(ClientEntity entity, DateTimeOffset now)
    {
        var secret = SecretHasher.Generate();
        entity.Secrets.Add(new ClientSecretEntity { Hash = SecretHasher.Hash(secret), CreatedAt = now });
        return secret;
    }

    private async Task AuditAsync(AuthServerDbContext db, string action, string clientId, JsonElement? before, JsonElement? after,
        AdminCaller caller, string? detail, CancellationToken ct)
    {
        var data = before is null && after is null
            ? null
            : JsonSerializer.Serialize(new { before, after }, ClientMapping.Json);
        var e = new AuditEvent(time.GetUtcNow(), action, "success", Target: "client:" + clientId,
            Detail: detail, Actor: caller.Actor, Source: caller.Source, Data: data);
        await AuditLog.AppendAsync(db, [e], ct);
    }

    private async Task<ClientChange> CommitAsync(
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, ClientEntity entity, string? secret, CancellationToken ct)
    {
        await transaction.CommitAsync(ct);
        Evict(entity.ClientId);
        return new ClientChange(ClientOutcome.Done, ClientMapping.ToDetails(entity), secret);
    }

    private void Evict(string clientId)
    {
        if (clients is ClientStore store)
        {
            store.Evict(clientId);
        }
    }

    private static ClientChange Exists(string clientId) =>
        new(ClientOutcome.Conflict, Detail: $"A client with the id '{clientId}' already exists.");
}
