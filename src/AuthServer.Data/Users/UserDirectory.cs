using AuthServer.Protocol.Users;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Users;

/// <summary>The engine's view of Identity's users.</summary>
public sealed class UserDirectory(AuthServerDatabase database) : IUserDirectory
{
    public async ValueTask<UserProfile?> FindAsync(string subject, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        return await db.Users.AsNoTracking()
            .Where(u => u.Id == subject)
            .Select(u => new UserProfile(u.Id, u.UserName ?? u.Id, u.Email, u.EmailConfirmed, true))
            .SingleOrDefaultAsync(cancellationToken);
    }
}
