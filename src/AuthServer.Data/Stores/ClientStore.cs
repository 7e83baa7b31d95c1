using System.Collections.Concurrent;
using AuthServer.Data.Entities;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

/// <summary>
/// Clients from the database, cached for a bounded time: an admin change or an import reaches every node
/// within <see cref="CacheSettings.ClientLifetime"/>.
/// </summary>
public sealed class ClientStore(AuthServerDatabase database, CacheSettings cache, TimeProvider time) : IClientStore
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Client? Client, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private long _evictions;

    public async ValueTask<Client?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(clientId, out var hit) && hit.Until > now)
        {
            return hit.Client;
        }

        // A read that overlaps an eviction may hold the old row: it is returned, but not cached.
        var evictions = Interlocked.Read(ref _evictions);
        await using var db = database.CreateContext();
        var entity = await db.Clients.AsNoTracking().Include(c => c.Secrets).Include(c => c.Claims)
            .FirstOrDefaultAsync(c => c.ClientId == clientId, cancellationToken);
        var client = entity is null ? null : Map(entity);

        // Unknown ids are cached too (so a flood of them cannot hammer the database), within a bounded map.
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }

        _cache[clientId] = (client, now + cache.ClientLifetime);
        if (Interlocked.Read(ref _evictions) != evictions)
        {
            _cache.TryRemove(clientId, out _);
        }

        return client;
    }

    /// <summary>
    /// Forgets the cached client after an admin change on this node, so the next request here sees the change;
    /// other nodes see it when their entry expires.
    /// </summary>
    public void Evict(string clientId)
    {
        Interlocked.Increment(ref _evictions);
        _cache.TryRemove(clientId, out _);
    }

    internal static Client Map(ClientEntity e) => new()
    {
        ClientId = e.ClientId,
        DisplayName = e.DisplayName,
        Type = e.Type == "public" ? ClientType.Public : ClientType.Confidential,
        Enabled = e.Enabled,
        SecretHashes = e.Secrets.Select(s => s.Hash).ToArray(),
        GrantTypes = e.GrantTypes.ToHashSet(StringComparer.Ordinal),
        AllowedScopes = e.AllowedScopes.ToHashSet(StringComparer.Ordinal),
        DefaultScopes = e.DefaultScopes.ToArray(),
        AllowedApis = e.AllowedApis.ToHashSet(StringComparer.Ordinal),
        IntrospectionApis = e.IntrospectionApis.ToHashSet(StringComparer.Ordinal),
        AccessTokenFormat = e.AccessTokenFormat == "jwt" ? AccessTokenFormat.Jwt : AccessTokenFormat.Opaque,
        AccessTokenLifetime = TimeSpan.FromSeconds(e.AccessTokenLifetimeSeconds),
        RedirectUris = e.RedirectUris?.ToArray() ?? [],
        PostLogoutRedirectUris = e.PostLogoutRedirectUris?.ToArray() ?? [],
        RequirePkce = e.Type == "public" || !e.PkceOptional,
        RequireConsent = e.RequireConsent,
        RequireMfa = e.RequireMfa,
        IdTokenSigningAlgorithm = e.IdTokenSigningAlgorithm,
        RefreshTokenLifetime = TimeSpan.FromSeconds(e.RefreshTokenLifetimeSeconds),
        RefreshTokenIdleLifetime = TimeSpan.FromSeconds(e.RefreshTokenIdleSeconds),
        Claims = e.Claims.OrderBy(c => c.Id).Select(c => new ClaimValue(c.Type, c.Value)).ToArray(),
        TokenExchange = TokenExchangeJson.Read(e.TokenExchange),
        CorsOrigins = e.AllowedCorsOrigins?.ToArray() ?? [],
        SigningKeys = ClientJwks.Read(e.Jwks),
    };
}

/// <param name="ClientLifetime">How long a client (or the absence of one) is cached.</param>
/// <param name="ResourceLifetime">How long the API and scope catalog is cached.</param>
public sealed record CacheSettings(TimeSpan ClientLifetime, TimeSpan ResourceLifetime);
