using AuthServer.Configuration;
using AuthServer.Data.Stores;

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
            catch (Exception e) when (e is not OperationCanceledException)
            {
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
public sealed class KeyRefreshService(SigningKeyRingSource keys, AuthServerOptions options, TimeProvider time, ILogger<KeyRefreshService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Caches.KeyRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await keys.ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Reloading signing keys failed; the current keys stay in use");
            }
        }
    }
}
