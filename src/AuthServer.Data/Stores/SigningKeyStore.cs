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

        // SQLite: the transaction begins IMMEDIATE, so deciders queue on the write lock. PostgreSQL: a transaction-scoped
        // advisory lock. Either way the second decider reads the first one's committed keys.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        }

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

        foreach (var e in applied.Select(audit))
        {
            db.AuditEvents.Add(new AuditEventEntity
            {
                OccurredAt = e.OccurredAt.ToUnixTimeMilliseconds(), Action = e.Action, Outcome = e.Outcome,
                ClientId = e.ClientId, Subject = e.Subject, Target = e.Target, Detail = e.Detail,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return applied;
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
