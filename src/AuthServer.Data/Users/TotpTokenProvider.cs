using AuthServer.Data.Entities;
using AuthServer.Protocol.Users;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Data.Users;

/// <summary>
/// Identity's authenticator-app provider, replaced: the same RFC 6238 codes, but time comes from the injected
/// <see cref="TimeProvider"/> and each time step is accepted once per user (Identity's own provider accepts a
/// code again within its window).
/// </summary>
public sealed class TotpTokenProvider(TimeProvider time, TotpStepStore steps) : IUserTwoFactorTokenProvider<UserEntity>
{
    public const string Name = "AuthServerTotp";

    /// <summary>The code comes from the user's app; the server never sends one.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<UserEntity> manager, UserEntity user) => Task.FromResult("");

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<UserEntity> manager, UserEntity user) =>
        !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user));

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<UserEntity> manager, UserEntity user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (key is null || Base32.Decode(key) is not { Length: > 0 } secret)
        {
            return false;
        }

        // The loaded user may be stale; the database decides, atomically, whether this step is still unused.
        if (Totp.Match(secret, token, time.GetUtcNow(), lastAcceptedStep: null) is not { } step
            || !await steps.TryAdvanceAsync(user.Id, step, CancellationToken.None))
        {
            return false;
        }

        user.TotpLastStep = step;
        return true;
    }
}
