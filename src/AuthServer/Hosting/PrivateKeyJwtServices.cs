using AuthServer.Configuration;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Clients;

namespace AuthServer.Hosting;

public static class PrivateKeyJwtServices
{
    /// <summary>private_key_jwt client authentication: the assertion validator, its replay store, and that store's pruning.</summary>
    public static IServiceCollection AddPrivateKeyJwt(this IServiceCollection services)
    {
        services.AddSingleton<ClientAssertionReplayStore>();
        services.AddSingleton<IClientAssertionReplayStore>(sp => sp.GetRequiredService<ClientAssertionReplayStore>());
        services.AddSingleton<ClientAssertionValidator>();
        services.AddHostedService<ClientAssertionPruningService>();
        return services;
    }
}

/// <summary>
/// Deletes the jti rows of expired client assertions, on the token pruning schedule. Correctness does not wait for it:
/// an expired row is taken over by the next use of its jti, and an expired assertion is refused before its jti is looked at.
/// </summary>
public sealed class ClientAssertionPruningService(
    ClientAssertionReplayStore store, AuthServerOptions options, TimeProvider time, ILogger<ClientAssertionPruningService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Tokens.PruneInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int deleted;
                do
                {
                    deleted = await store.PruneAsync(time.GetUtcNow(), options.Tokens.PruneBatchSize, stoppingToken);
                }
                while (deleted == options.Tokens.PruneBatchSize && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Pruning used client assertion ids failed; it will run again in {Interval}", options.Tokens.PruneInterval);
            }
        }
    }
}
