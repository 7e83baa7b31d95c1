using AuthServer.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Account;

/// <summary>A password hash that belongs to no one, verified when a sign-in names no user, to spend the same time.</summary>
public static class DecoyPassword
{
    private static readonly UserEntity Nobody = new() { UserName = "decoy" };
    private static readonly Lazy<string> Hash = new(() =>
        new PasswordHasher<UserEntity>().HashPassword(Nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));

    public static void Verify(IPasswordHasher<UserEntity> hasher, string password) =>
        hasher.VerifyHashedPassword(Nobody, Hash.Value, password);
}
