using AuthServer.Data;
using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Admin;

/// <summary>
/// The admin API as a resource of the claims store: the API <see cref="AdminAccess.ApiName"/> (internal, so its tokens
/// are JWTs) with the scope <see cref="AdminAccess.Scope"/>. Made at start when missing; a client still needs the
/// scope allowed before it can get such a token.
/// </summary>
public static class AdminApiResource
{
    public static async Task EnsureAsync(AuthServerDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var now = time.GetUtcNow();
        if (!await db.Scopes.AnyAsync(s => s.Name == AdminAccess.Scope, cancellationToken))
        {
            db.Scopes.Add(new ScopeEntity
            {
                Name = AdminAccess.Scope, Description = "Administer AuthServer through its admin API", Claims = [],
                CreatedAt = now, UpdatedAt = now,
            });
        }

        if (!await db.Apis.AnyAsync(a => a.Name == AdminAccess.ApiName, cancellationToken))
        {
            db.Apis.Add(new ApiEntity
            {
                Name = AdminAccess.ApiName, DisplayName = "AuthServer admin API", Scopes = [AdminAccess.Scope],
                SigningAlgorithm = "ES256", Enabled = true, Internal = true, CreatedAt = now, UpdatedAt = now,
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another node starting at the same moment made them first.
        }
    }
}
