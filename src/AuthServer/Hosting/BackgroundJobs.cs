using AuthServer.Configuration;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Keys;

namespace AuthServer.Hosting;

/// <summary>Deletes expired and long-revoked tokens in bounded batches.</summary>
public sealed class TokenPruningService(TokenStore tokens, AuthServerOptions options, TimeProvider time, ILogger<TokenPruningService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Tokens.PruneInterval, time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Also a timeout that surfaces as a cancellation: only stopping ends the service (an exception escaping a
                // BackgroundService stops the whole host).
                log.LogWarning(e, "Token pruning failed; it will run again in {Interval}", options.Tokens.PruneInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Prunes until a batch comes back short. Returns the number of rows deleted.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await tokens.PruneAsync(time.GetUtcNow(), options.Tokens.PruneBatchSize, cancellationToken);
            total += deleted;
        }
        while (deleted == options.Tokens.PruneBatchSize && !cancellationToken.IsCancellationRequested);

        if (total > 0)
        {
            log.LogInformation("Pruned {Count} expired or revoked tokens", total);
        }

        return total;
    }
}

/// <summary>Reloads the signing keys periodically, so every node converges on the same active key.</summary>
/// <summary>
/// Every <c>Caches:KeyRefreshInterval</c>: carries out the key schedule when something is due (under the shared key
/// lock, so one node does it), then reloads the keys. Every node signs with the same active key within one interval.
/// </summary>
public sealed class KeyRefreshService(
    SigningKeyRingSource keys, SigningKeyManager manager, AuthServerOptions options, TimeProvider time, ILogger<KeyRefreshService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Caches.KeyRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RefreshAsync(stoppingToken);
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var change in await manager.ApplyScheduleIfDueAsync(keys.Protector, cancellationToken))
            {
                log.LogInformation("Key rotation: signing key {Kid} ({Algorithm}): {Change}", change.Kid, change.Algorithm, change.Kind);
            }

            var before = keys.Current;
            var after = await keys.ReloadAsync(cancellationToken);
            WarnAboutRevokedKeys(before, after);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            log.LogWarning(e, "Rotating or reloading signing keys failed; the current keys stay in use");
        }
    }

    /// <summary>A key that vanished while it was signing or about to: an emergency revoke (scheduled removals come from retired).</summary>
    private void WarnAboutRevokedKeys(SigningKeyRing before, SigningKeyRing after)
    {
        foreach (var key in before.Published.Where(k => k.State != SigningKeyState.Retired && after.AlgorithmOf(k.Kid) is null))
        {
            log.LogWarning(
                "Signing key {Kid} ({Algorithm}) was revoked: it is no longer published and tokens it signed are no longer accepted here. " +
                "APIs that validate JWTs themselves must fetch the JWKS again now (restart them or clear their key cache); " +
                "until then they accept tokens signed with the revoked key for up to the JWKS max-age.", key.Kid, key.Algorithm);
        }
    }
}
