using AuthServer.Configuration;
using AuthServer.Data.Users;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Hosting;

/// <summary>ASP.NET Core Identity with the password and lockout policy from configuration.</summary>
public static class UserServices
{
    public static IdentityBuilder AddAuthServerUsers(this IServiceCollection services, UsersOptions users) =>
        services.AddAuthServerIdentity(o =>
        {
            o.Password.RequiredLength = users.MinimumPasswordLength;
            o.Password.RequireDigit = false;
            o.Password.RequireLowercase = false;
            o.Password.RequireUppercase = false;
            o.Password.RequireNonAlphanumeric = false;
            o.Password.RequiredUniqueChars = 1;
            o.Lockout.AllowedForNewUsers = true;
            o.Lockout.MaxFailedAccessAttempts = users.MaxFailedAttempts;
            o.Lockout.DefaultLockoutTimeSpan = users.LockoutDuration;
            o.User.RequireUniqueEmail = false;
        });
}
