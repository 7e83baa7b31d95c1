using AuthServer.Data.Entities;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Resources;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

/// <summary>
/// The API, scope and claim type catalog, loaded as one snapshot and cached for a bounded time. An admin change
/// calls <see cref="Invalidate"/>, so it applies to the next token this node issues; other nodes see it within
/// <see cref="CacheSettings.ResourceLifetime"/>.
/// </summary>
public sealed class ResourceStore(AuthServerDatabase database, CacheSettings cache, TimeProvider time) : IResourceStore
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;
    private long _generation;

    /// <summary>Drops the cached catalog; a load that began before the change is not kept either.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    public async ValueTask<ResourceCatalog> GetCatalogAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Until > time.GetUtcNow())
        {
            return snapshot.Catalog;
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && snapshot.Until > time.GetUtcNow())
            {
                return snapshot.Catalog;
            }

            var generation = Interlocked.Read(ref _generation);
            await using var db = database.CreateContext();
            var apis = await db.Apis.AsNoTracking().ToListAsync(cancellationToken);
            var scopes = await db.Scopes.AsNoTracking().ToListAsync(cancellationToken);
            var claimTypes = await db.ClaimTypes.AsNoTracking().ToListAsync(cancellationToken);
            var catalog = new ResourceCatalog(
                apis.Select(a => new ApiResource(
                    a.Name, a.DisplayName, a.Scopes.ToHashSet(StringComparer.Ordinal), a.SigningAlgorithm, a.Enabled, a.Internal)),
                scopes.Select(s => new ScopeDefinition(s.Name, s.Description) { Claims = s.Claims?.ToArray() ?? [] }),
                claimTypes.Select(MapClaimType));
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshot = new Snapshot(catalog, time.GetUtcNow() + cache.ResourceLifetime);
            }

            return catalog;
        }
        finally
        {
            _reload.Release();
        }
    }

    internal static ClaimType MapClaimType(ClaimTypeEntity e) => new(e.Name, e.Description, e.ValueType switch
    {
        "boolean" => ClaimValueType.Boolean,
        "integer" => ClaimValueType.Integer,
        "json" => ClaimValueType.Json,
        _ => ClaimValueType.String,
    }, e.Sensitive);

    private sealed record Snapshot(ResourceCatalog Catalog, DateTimeOffset Until);
}
