using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AuthServer.Validation;

/// <summary>Registration: <c>services.AddAuthentication().AddAuthServer(o => { o.Authority = ...; o.Audience = ...; })</c>.</summary>
public static class AuthServerValidationExtensions
{
    /// <summary>Adds the <see cref="AuthServerValidationDefaults.AuthenticationScheme"/> scheme.</summary>
    public static AuthenticationBuilder AddAuthServer(this AuthenticationBuilder builder, Action<AuthServerValidationOptions> configure) =>
        builder.AddAuthServer(AuthServerValidationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds a scheme under a name of your choice (e.g. two AuthServer instances).</summary>
    public static AuthenticationBuilder AddAuthServer(
        this AuthenticationBuilder builder, string scheme, Action<AuthServerValidationOptions> configure)
    {
        var services = builder.Services;
        services.AddHttpClient(AuthServerValidationDefaults.BackchannelClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Discovery, JWKS and introspection are at fixed URLs: a redirect is a misconfiguration or an attack.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<AuthServerValidationOptions>, AuthServerValidationPostConfigure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerValidationOptions>, AuthServerValidationOptionsValidator>());

        // A misconfiguration stops the application at start, not at the first request.
        services.AddOptions<AuthServerValidationOptions>(scheme).ValidateOnStart();
        return builder.AddScheme<AuthServerValidationOptions, AuthServerValidationHandler>(scheme, displayName: null, configure);
    }

    /// <summary>
    /// Adds authentication with AuthServer as the default scheme, so <c>RequireAuthorization()</c> and
    /// <c>[Authorize]</c> use it without naming it.
    /// </summary>
    public static AuthenticationBuilder AddAuthServerAuthentication(this IServiceCollection services, Action<AuthServerValidationOptions> configure) =>
        services.AddAuthentication(AuthServerValidationDefaults.AuthenticationScheme).AddAuthServer(configure);
}
