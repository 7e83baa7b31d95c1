using AuthServer.Data.Entities;
using AuthServer.Protocol.Keys;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

public sealed class SigningKeyStore(AuthServerDatabase database) : ISigningKeyStore
{
    public async Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var rows = await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        return rows
            .Select(k => new StoredSigningKey(k.Kid, k.Algorithm, ParseState(k.State), k.CreatedAt, k.ActivatedAt,
                k.RetiredAt, k.PublicJwk, k.EncryptedPrivateKey))
            .OrderBy(k => k.CreatedAt)
            .ToList();
    }

    public async Task AddAsync(StoredSigningKey key, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        db.SigningKeys.Add(new SigningKeyEntity
        {
            Kid = key.Kid,
            Algorithm = key.Algorithm,
            State = key.State.ToString().ToLowerInvariant(),
            CreatedAt = key.CreatedAt,
            ActivatedAt = key.ActivatedAt,
            RetiredAt = key.RetiredAt,
            PublicJwk = key.PublicJwk,
            EncryptedPrivateKey = key.EncryptedPrivateKey,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static SigningKeyState ParseState(string state) =>
        Enum.TryParse<SigningKeyState>(state, ignoreCase: true, out var parsed)
            ? parsed
            : throw new InvalidDataException($"Signing key state '{state}' is unknown.");
}
