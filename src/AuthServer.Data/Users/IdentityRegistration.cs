using AuthServer.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Data.Users;

public static class IdentityRegistration
{
    /// <summary>
    /// ASP.NET Core Identity over <see cref="AuthServerDbContext"/>: our store (recovery codes hashed), our user
    /// manager (longer recovery codes) and our TOTP provider (time from <see cref="TimeProvider"/>, no replay).
    /// Needs an <see cref="AuthServerDatabase"/> and a <see cref="TimeProvider"/> in the container.
    /// </summary>
    public static IdentityBuilder AddAuthServerIdentity(this IServiceCollection services, Action<IdentityOptions> configure)
    {
        services.AddScoped(sp => sp.GetRequiredService<AuthServerDatabase>().CreateContext());
        services.AddSingleton<TotpStepStore>();
        return services
            .AddIdentityCore<UserEntity>(o =>
            {
                o.Tokens.AuthenticatorTokenProvider = TotpTokenProvider.Name;
                configure(o);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AuthServerDbContext>()
            .AddUserStore<AuthServerUserStore>()
            .AddUserManager<AuthServerUserManager>()
            .AddTokenProvider<TotpTokenProvider>(TotpTokenProvider.Name);
    }
}
