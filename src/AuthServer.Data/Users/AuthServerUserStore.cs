using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace AuthServer.Data.Users;

/// <summary>Identity's EF store, except that recovery codes are stored as SHA-256 hashes, never as themselves.</summary>
public sealed class AuthServerUserStore(AuthServerDbContext context, IdentityErrorDescriber? describer = null)
    : UserStore<UserEntity, IdentityRole, AuthServerDbContext>(context, describer)
{
    private const string InternalLoginProvider = "[AspNetUserStore]";
    private const string RecoveryCodeTokenName = "RecoveryCodes";

    public override Task ReplaceCodesAsync(UserEntity user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken = default) =>
        SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName,
            string.Join(';', recoveryCodes.Select(RecoveryCodes.Hash)), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(UserEntity user, string code, CancellationToken cancellationToken = default)
    {
        var hashes = await StoredHashesAsync(user, cancellationToken);
        var index = RecoveryCodes.IndexOf(hashes, code);
        if (index < 0)
        {
            return false;
        }

        hashes.RemoveAt(index);
        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(';', hashes), cancellationToken);
        return true;
    }

    public override async Task<int> CountCodesAsync(UserEntity user, CancellationToken cancellationToken = default) =>
        (await StoredHashesAsync(user, cancellationToken)).Count;

    private async Task<List<string>> StoredHashesAsync(UserEntity user, CancellationToken cancellationToken) =>
        ((await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken)) ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
}
