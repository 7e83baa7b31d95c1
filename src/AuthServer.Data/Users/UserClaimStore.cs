using AuthServer.Protocol.Claims;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Users;

/// <summary>
/// A person's claim values: what the store holds for them (Identity's user_claims table), plus what their account
/// itself records: preferred_username, and email with email_verified. Nothing else about a user reaches a token.
/// </summary>
public sealed class UserClaimStore(AuthServerDatabase database) : IUserClaimStore
{
    public async ValueTask<IReadOnlyList<ClaimValue>> GetAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.UserName, u.Email, u.EmailConfirmed })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return [];
        }

        var values = new List<ClaimValue>();
        if (user.UserName is not null)
        {
            values.Add(new ClaimValue("preferred_username", user.UserName));
        }

        if (user.Email is not null)
        {
            values.Add(new ClaimValue("email", user.Email));
            values.Add(new ClaimValue("email_verified", user.EmailConfirmed ? "true" : "false"));
        }

        var stored = await db.UserClaims.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.Id)
            .Select(c => new { c.ClaimType, c.ClaimValue }).ToListAsync(cancellationToken);

        // A stored value overrides what the account records for the same type.
        var overridden = stored.Select(c => c.ClaimType).ToHashSet(StringComparer.Ordinal);
        values.RemoveAll(v => overridden.Contains(v.Type));
        values.AddRange(stored.Where(c => c.ClaimType is not null && c.ClaimValue is not null)
            .Select(c => new ClaimValue(c.ClaimType!, c.ClaimValue!)));
        return values;
    }
}
