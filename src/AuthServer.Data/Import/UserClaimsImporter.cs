using System.Text.Json;
using AuthServer.Protocol.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Import;

/// <summary>Claim values from an import file replace a user's or a client's stored values (the same file twice changes nothing).</summary>
internal static class UserClaimsImporter
{
    /// <summary>Replaces the user's values; false when there is no such user (the import is then refused).</summary>
    public static async Task<bool> ApplyAsync(AuthServerDbContext db, UserClaimsImport u, IReadOnlyDictionary<string, ClaimValueType> types,
        List<string> changes, CancellationToken ct)
    {
        var normalized = new UpperInvariantLookupNormalizer().NormalizeName(u.UserName!);
        var user = db.Users.Local.FirstOrDefault(x => x.NormalizedUserName == normalized)
            ?? await db.Users.FirstOrDefaultAsync(x => x.NormalizedUserName == normalized, ct);
        if (user is null)
        {
            return false;
        }

        var stored = await db.UserClaims.Where(c => c.UserId == user.Id).OrderBy(c => c.Id).ToListAsync(ct);
        var current = stored.ToList();
        var changed = Replace(current, u.Claims, types, (type, value) => new IdentityUserClaim<string>
        {
            UserId = user.Id, ClaimType = type, ClaimValue = value,
        }, c => (c.ClaimType ?? "", c.ClaimValue ?? ""));
        if (changed)
        {
            db.UserClaims.RemoveRange(stored.Except(current));
            db.UserClaims.AddRange(current.Except(stored));
        }

        changes.Add(changed ? $"updated claims of user '{u.UserName}'" : $"unchanged claims of user '{u.UserName}'");
        return true;
    }

    /// <summary>Makes <paramref name="current"/> hold exactly the file's values; true when anything changed.</summary>
    public static bool Replace<T>(List<T> current, Dictionary<string, JsonElement>? wanted, IReadOnlyDictionary<string, ClaimValueType> types,
        Func<string, string, T> create, Func<T, (string Type, string Value)> read)
    {
        var values = (wanted ?? []).SelectMany(kv => (ClaimValueTypes.ToValues(kv.Value, types[kv.Key]) ?? []).Select(v => (kv.Key, v))).ToList();
        if (current.Select(read).SequenceEqual(values))
        {
            return false;
        }

        current.Clear();
        current.AddRange(values.Select(v => create(v.Key, v.v)));
        return true;
    }
}
