using System.Collections.Frozen;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

/// <summary>
/// The browser origins registered by any enabled client, cached like clients are: a change through the admin or an
/// import is honoured on every node within <see cref="CacheSettings.ClientLifetime"/>. A preflight names no client,
/// so an origin one client registered is allowed on every CORS endpoint; the endpoint itself still authenticates.
/// </summary>
public sealed class CorsOriginStore(AuthServerDatabase database, CacheSettings cache, TimeProvider time)
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>Whether <paramref name="origin"/>, exactly as the browser sent it (RFC 6454 §6.1), is registered.</summary>
    public async ValueTask<bool> IsAllowedAsync(string origin, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Until <= time.GetUtcNow())
        {
            snapshot = await ReloadAsync(cancellationToken);
        }

        return snapshot.Origins.Contains(origin);
    }

    private async Task<Snapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_snapshot is { } fresh && fresh.Until > now)
            {
                return fresh; // another request reloaded it meanwhile
            }

            try
            {
                await using var db = database.CreateContext();
                var lists = await db.Clients.AsNoTracking().Where(c => c.Enabled && c.AllowedCorsOrigins != null)
                    .Select(c => c.AllowedCorsOrigins!).ToListAsync(cancellationToken);
                return _snapshot = new Snapshot(lists.SelectMany(l => l).ToFrozenSet(StringComparer.Ordinal), now + cache.ClientLifetime);
            }
            catch (Exception e) when (_snapshot is { } stale && (e is DbException or TimeoutException || e.InnerException is DbException))
            {
                // The database is away: keep the origins last read for another lifetime rather than turn every browser
                // call of discovery and JWKS (which need no database) into an error.
                return _snapshot = stale with { Until = now + cache.ClientLifetime };
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    private sealed record Snapshot(FrozenSet<string> Origins, DateTimeOffset Until);
}
