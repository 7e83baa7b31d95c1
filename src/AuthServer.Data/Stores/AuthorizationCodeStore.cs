using AuthServer.Data.Entities;
using AuthServer.Protocol.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

/// <summary>Authorization codes; redemption is one conditional UPDATE, so a code is spent exactly once.</summary>
public sealed class AuthorizationCodeStore(AuthServerDatabase database) : IAuthorizationCodeStore
{
    public async Task AddAsync(AuthorizationCode code, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        db.AuthorizationCodes.Add(new AuthorizationCodeEntity
        {
            Id = code.Id,
            ClientId = code.ClientId,
            Subject = code.Subject,
            RedirectUri = code.RedirectUri,
            Scopes = string.Join(' ', code.Scopes),
            Audiences = string.Join(' ', code.Audiences),
            CodeChallenge = code.CodeChallenge,
            Nonce = code.Nonce,
            AuthTime = code.AuthTime.ToUnixTimeSeconds(),
            Amr = string.Join(' ', code.Amr),
            SessionId = code.SessionId,
            FamilyId = code.FamilyId,
            IssuedAt = code.IssuedAt.ToUnixTimeSeconds(),
            ExpiresAt = code.ExpiresAt.ToUnixTimeSeconds(),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<(CodeRedemption Outcome, AuthorizationCode? Code)> TryRedeemAsync(
        string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var spent = await db.AuthorizationCodes
            .Where(c => c.Id == id && c.RedeemedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.RedeemedAt, now.ToUnixTimeSeconds()), cancellationToken);
        var entity = await db.AuthorizationCodes.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (entity is null)
        {
            return (CodeRedemption.Unknown, null);
        }

        return (spent == 1 ? CodeRedemption.Redeemed : CodeRedemption.AlreadyRedeemed, Map(entity));
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> codes that expired before <paramref name="before"/>.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var cutoff = before.ToUnixTimeSeconds();
        return await db.AuthorizationCodes
            .Where(c => db.AuthorizationCodes.Where(x => x.ExpiresAt < cutoff).Select(x => x.Id).Take(batchSize).Contains(c.Id))
            .ExecuteDeleteAsync(cancellationToken);
    }

    private static AuthorizationCode Map(AuthorizationCodeEntity e) => new()
    {
        Id = e.Id,
        ClientId = e.ClientId,
        Subject = e.Subject,
        RedirectUri = e.RedirectUri,
        Scopes = Split(e.Scopes),
        Audiences = Split(e.Audiences),
        CodeChallenge = e.CodeChallenge,
        Nonce = e.Nonce,
        AuthTime = DateTimeOffset.FromUnixTimeSeconds(e.AuthTime),
        Amr = Split(e.Amr),
        SessionId = e.SessionId,
        FamilyId = e.FamilyId,
        IssuedAt = DateTimeOffset.FromUnixTimeSeconds(e.IssuedAt),
        ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(e.ExpiresAt),
    };

    private static string[] Split(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
