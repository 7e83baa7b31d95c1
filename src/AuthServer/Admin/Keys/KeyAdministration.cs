using AuthServer.Data.Admin;
using AuthServer.Hosting;
using AuthServer.Protocol.Keys;

namespace AuthServer.Admin.Keys;

/// <summary>What a rotate or revoke did, in words an admin reads (the same words as `authserver keys`).</summary>
public sealed record KeyChangeView(string Kind, string Algorithm, string? Kid, string Description);

/// <summary>
/// The keys page's and the admin API's key operations: the same manager, lock and audit events as `authserver keys`,
/// with the admin as the actor; afterwards this node's key ring is reloaded, so its JWKS shows the change at once
/// (other nodes pick it up within Caches:KeyRefreshInterval).
/// </summary>
public sealed class KeyAdministration(
    ISigningKeyStore store, SigningKeyManager manager, SigningKeyRingSource ring, KeyScheduleOptions schedule, TimeProvider time)
{
    public async Task<KeyTimelineView> TimelineAsync(CancellationToken cancellationToken) =>
        KeyTimeline.Build(await store.LoadAsync(cancellationToken), schedule, time.GetUtcNow());

    /// <summary>The published pending key (or a new one) signs now; the active key retires but stays published.</summary>
    public async Task<IReadOnlyList<KeyChangeView>> RotateAsync(string algorithm, AdminCaller caller, CancellationToken cancellationToken)
    {
        var changes = await manager.RotateNowAsync(algorithm, ring.Protector, cancellationToken, caller.Actor, caller.Source);
        await ring.ReloadAsync(cancellationToken);
        return changes.Select(View).ToList();
    }

    /// <summary>Empty when there is no published key <paramref name="kid"/>.</summary>
    public async Task<IReadOnlyList<KeyChangeView>> RevokeAsync(string kid, AdminCaller caller, CancellationToken cancellationToken)
    {
        var changes = await manager.RevokeAsync(kid, ring.Protector, cancellationToken, caller.Actor, caller.Source);
        if (changes.Count > 0)
        {
            await ring.ReloadAsync(cancellationToken);
        }

        return changes.Select(View).ToList();
    }

    public static bool IsSupported(string? algorithm) => algorithm is not null && SigningAlgorithms.IsSupported(algorithm);

    private static KeyChangeView View(KeyChange c) => new(c.Kind.ToString().ToLowerInvariant(), c.Algorithm, c.Kid, c.Kind switch
    {
        KeyChangeKind.Create => c.CreateAs == SigningKeyState.Active ? "created, signs now" : "created, published",
        KeyChangeKind.Activate => "signs now",
        KeyChangeKind.Retire => "retired (still published, no longer signs)",
        _ => "removed from JWKS: tokens it signed no longer validate",
    });
}
