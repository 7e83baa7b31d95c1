using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Data.Users;

/// <summary>
/// Identity's user manager, with recovery codes of 80 random bits instead of Identity's shorter ones, and lockout
/// decided by the injected <see cref="TimeProvider"/> (Identity's own reads the system clock).
/// </summary>
public sealed class AuthServerUserManager(
    IUserStore<UserEntity> store,
    IOptions<IdentityOptions> options,
    IPasswordHasher<UserEntity> passwordHasher,
    IEnumerable<IUserValidator<UserEntity>> userValidators,
    IEnumerable<IPasswordValidator<UserEntity>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<UserEntity>> logger,
    TimeProvider time)
    : UserManager<UserEntity>(store, options, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    protected override string CreateTwoFactorRecoveryCode() => RecoveryCodes.New();

    public override async Task<bool> IsLockedOutAsync(UserEntity user)
    {
        var lockouts = (IUserLockoutStore<UserEntity>)Store;
        return await lockouts.GetLockoutEnabledAsync(user, CancellationToken)
            && await lockouts.GetLockoutEndDateAsync(user, CancellationToken) is { } end
            && end > time.GetUtcNow();
    }

    /// <summary>One more failure; at the limit the account is locked for the lockout time and the count starts again.</summary>
    public override async Task<IdentityResult> AccessFailedAsync(UserEntity user)
    {
        var lockouts = (IUserLockoutStore<UserEntity>)Store;
        var count = await lockouts.IncrementAccessFailedCountAsync(user, CancellationToken);
        if (count >= Options.Lockout.MaxFailedAccessAttempts)
        {
            await lockouts.SetLockoutEndDateAsync(user, time.GetUtcNow().Add(Options.Lockout.DefaultLockoutTimeSpan), CancellationToken);
            await lockouts.ResetAccessFailedCountAsync(user, CancellationToken);
        }

        return await UpdateUserAsync(user);
    }
}
