using AuthServer.Data.Entities;
using AuthServer.Protocol.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

public sealed class ConsentStore(AuthServerDatabase database) : IConsentStore
{
    public async Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var entity = await db.Consents.AsNoTracking().SingleOrDefaultAsync(c => c.UserId == subject && c.ClientId == clientId, cancellationToken);
        return entity is null ? null : Map(entity);
    }

    public async Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var entities = await db.Consents.AsNoTracking().Where(c => c.UserId == subject).OrderBy(c => c.ClientId).ToListAsync(cancellationToken);
        return entities.Select(Map).ToList();
    }

    public async Task GrantAsync(string subject, string clientId, IEnumerable<string> scopes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var entity = await db.Consents.SingleOrDefaultAsync(c => c.UserId == subject && c.ClientId == clientId, cancellationToken);
        if (entity is null)
        {
            entity = new ConsentEntity { UserId = subject, ClientId = clientId };
            db.Consents.Add(entity);
        }

        entity.Scopes = string.Join(' ', Split(entity.Scopes).Union(scopes, StringComparer.Ordinal).Order(StringComparer.Ordinal));
        entity.GrantedAt = now;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<bool> RevokeAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        return await db.Consents.Where(c => c.UserId == subject && c.ClientId == clientId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    private static Consent Map(ConsentEntity e) =>
        new(e.ClientId, Split(e.Scopes).ToHashSet(StringComparer.Ordinal), e.GrantedAt);

    private static string[] Split(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
