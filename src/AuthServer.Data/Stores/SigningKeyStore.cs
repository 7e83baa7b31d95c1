using AuthServer.Data.Audit;
using AuthServer.Data.Entities;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Keys;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

public sealed class SigningKeyStore(AuthServerDatabase database) : ISigningKeyStore
{
    // Any fixed number; it names "the AuthServer signing-key lock" among PostgreSQL advisory locks.
    private const long AdvisoryLockKey = 0x4155_5448_4B45_5953;

    public async Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var rows = await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        return rows.Select(Map).OrderBy(k => k.CreatedAt).ToList();
    }

    public async Task<IReadOnlyList<KeyChange>> ChangeAsync(
        Func<IReadOnlyList<StoredSigningKey>, IReadOnlyList<KeyChange>> decide,
        Func<string, SigningKeyState, StoredSigningKey> create,
        Func<KeyChange, AuditEvent> audit,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        await using var transaction = await BeginLockedAsync(db, cancellationToken);
        var rows = await db.SigningKeys.ToListAsync(cancellationToken);
        var changes = decide(rows.Select(Map).OrderBy(k => k.CreatedAt).ToList());
        var applied = new List<KeyChange>();
        foreach (var change in changes)
        {
            if (change.Kind == KeyChangeKind.Create)
            {
                var key = create(change.Algorithm, change.CreateAs);
                db.SigningKeys.Add(ToEntity(key));
                applied.Add(change with { Kid = key.Kid });
                continue;
            }

            var row = rows.Single(r => r.Kid == change.Kid);
            switch (change.Kind)
            {
                case KeyChangeKind.Activate:
                    row.State = Name(SigningKeyState.Active);
                    row.ActivatedAt = now;
                    break;
                case KeyChangeKind.Retire:
                    row.State = Name(SigningKeyState.Retired);
                    row.RetiredAt = now;
                    break;
                case KeyChangeKind.Remove:
                    // A removed key never signs or validates again: its private part is no longer kept.
                    row.State = Name(SigningKeyState.Removed);
                    row.RetiredAt ??= now;
                    row.EncryptedPrivateKey = [];
                    break;
            }

            applied.Add(change);
        }

        await AuditLog.AppendAsync(db, applied.Select(audit).ToList(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    /// <summary>
    /// Replaces the encrypted private part of every key still kept (removed keys keep none) with what
    /// <paramref name="rewrap"/> makes of it, in one transaction under the key lock, with each key's audit event.
    /// When <paramref name="rewrap"/> throws for any key, nothing changes. Used by `authserver keys rewrap` only, so it
    /// is not part of the engine's <see cref="ISigningKeyStore"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredSigningKey>> RewrapAsync(
        Func<StoredSigningKey, byte[]> rewrap, Func<StoredSigningKey, AuditEvent> audit, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        await using var transaction = await BeginLockedAsync(db, cancellationToken);
        var removed = Name(SigningKeyState.Removed);
        var rows = await db.SigningKeys.Where(k => k.State != removed).ToListAsync(cancellationToken);
        var keys = rows.Select(Map).OrderBy(k => k.CreatedAt).ToList();
        foreach (var row in rows)
        {
            row.EncryptedPrivateKey = rewrap(keys.Single(k => k.Kid == row.Kid));
        }

        await AuditLog.AppendAsync(db, keys.Select(audit).ToList(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return keys;
    }

    /// <summary>
    /// Key changes write their audit entries through the chain (<see cref="AuditLog"/>) in the same transaction; the chain
    /// lock is taken after this one, never before it, so the two locks cannot deadlock.
    /// SQLite: the transaction begins IMMEDIATE, so writers queue on the write lock. PostgreSQL: a transaction-scoped
    /// advisory lock. Either way the second one reads the first one's committed keys.
    /// </summary>
    private async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginLockedAsync(
        AuthServerDbContext db, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        }

        return transaction;
    }

    private static StoredSigningKey Map(SigningKeyEntity k) =>
        new(k.Kid, k.Algorithm, ParseState(k.State), k.CreatedAt, k.ActivatedAt, k.RetiredAt, k.PublicJwk, k.EncryptedPrivateKey);

    private static SigningKeyEntity ToEntity(StoredSigningKey key) => new()
    {
        Kid = key.Kid,
        Algorithm = key.Algorithm,
        State = Name(key.State),
        CreatedAt = key.CreatedAt,
        ActivatedAt = key.ActivatedAt,
        RetiredAt = key.RetiredAt,
        PublicJwk = key.PublicJwk,
        EncryptedPrivateKey = key.EncryptedPrivateKey,
    };

    private static string Name(SigningKeyState state) => state.ToString().ToLowerInvariant();

    private static SigningKeyState ParseState(string state) =>
        Enum.TryParse<SigningKeyState>(state, ignoreCase: true, out var parsed)
            ? parsed
            : throw new InvalidDataException($"Signing key state '{state}' is unknown.");
}
