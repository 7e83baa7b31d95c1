using AuthServer.Protocol.Audit;

namespace AuthServer.Protocol.Keys;

/// <summary>
/// Carries out the key schedule and the admin's key commands against the store, each as one locked transaction with
/// its audit events. Nodes call <see cref="ApplyScheduleIfDueAsync"/> periodically; the CLI calls rotate and revoke.
/// </summary>
public sealed class SigningKeyManager(ISigningKeyStore store, KeyScheduleOptions schedule, TimeProvider time)
{
    /// <summary>Applies the schedule when it has something to do; the lock is taken only then.</summary>
    public async Task<IReadOnlyList<KeyChange>> ApplyScheduleIfDueAsync(MasterKeyProtector protector, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (KeySchedule.Plan(await store.LoadAsync(cancellationToken), now, schedule).Count == 0)
        {
            return [];
        }

        // Decided again under the lock: another node may have done it meanwhile.
        return await ChangeAsync(keys => KeySchedule.Plan(keys, now, schedule), protector, "schedule", now, cancellationToken);
    }

    /// <param name="actor">Who asked (recorded in the audit log), e.g. "user:alice"; <paramref name="source"/>: from where.</param>
    public Task<IReadOnlyList<KeyChange>> RotateNowAsync(
        string algorithm, MasterKeyProtector protector, CancellationToken cancellationToken, string? actor = null, string? source = null) =>
        ChangeAsync(keys => KeySchedule.RotateNow(keys, algorithm), protector, "manual rotation", time.GetUtcNow(), cancellationToken, actor, source);

    public Task<IReadOnlyList<KeyChange>> RevokeAsync(
        string kid, MasterKeyProtector protector, CancellationToken cancellationToken, string? actor = null, string? source = null) =>
        ChangeAsync(keys => KeySchedule.Revoke(keys, kid), protector, "emergency revoke", time.GetUtcNow(), cancellationToken, actor, source);

    private Task<IReadOnlyList<KeyChange>> ChangeAsync(
        Func<IReadOnlyList<StoredSigningKey>, IReadOnlyList<KeyChange>> decide, MasterKeyProtector protector, string reason,
        DateTimeOffset now, CancellationToken cancellationToken, string? actor = null, string? source = null) =>
        store.ChangeAsync(
            keys =>
            {
                var changes = decide(keys);
                // A key made under another master key than the stored ones would be unreadable to every node on the
                // right key (a node left on an old master key after a rewrap): checked under the lock, before anything is made.
                if (changes.Any(c => c.Kind == KeyChangeKind.Create))
                {
                    SigningKeyFactory.OpenAll(keys, protector);
                }

                return changes;
            },
            (algorithm, state) => SigningKeyFactory.Create(algorithm, state, now, protector),
            change => new AuditEvent(now, "key." + change.Kind.ToString().ToLowerInvariant(), "success",
                Target: change.Kid, Detail: $"alg={change.Algorithm} reason={reason}" +
                (change.Kind == KeyChangeKind.Create ? $" state={change.CreateAs.ToString().ToLowerInvariant()}" : ""),
                Actor: actor, Source: source),
            now,
            cancellationToken);
}

/// <summary>The master key in use does not open a stored signing key, so no key may be made with it.</summary>
public sealed class MasterKeyMismatchException(string kid)
    : Exception($"The master key in use does not open signing key {kid}: no new key is made under it. Use the master key the other nodes use (after `keys rewrap`, the new one).")
{
    public string Kid { get; } = kid;
}
