using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Validation;

/// <summary>
/// Builds the per-scheme state once the options are final: the metadata cache and the introspection client live
/// as long as the options do (for the application's life), shared by all requests.
/// </summary>
internal sealed class AuthServerValidationPostConfigure(
    IHttpClientFactory httpClients, ILoggerFactory loggers, IServiceProvider services)
    : IPostConfigureOptions<AuthServerValidationOptions>
{
    public void PostConfigure(string? name, AuthServerValidationOptions options)
    {
        // Time comes from DI so tests can move it; AuthenticationHandler reads the same options property.
        options.TimeProvider ??= services.GetService<TimeProvider>() ?? TimeProvider.System;

        // Invalid options are reported by the validator, which runs after this.
        if (!AuthServerValidationOptionsValidator.TryParseAuthority(options.Authority, out var authority))
        {
            return;
        }

        // A factory client per use, so handler rotation (DNS changes) keeps working; an explicit one as given.
        var backchannel = options.Backchannel;
        Func<HttpClient> client = backchannel is null
            ? () => httpClients.CreateClient(AuthServerValidationDefaults.BackchannelClientName)
            : () => backchannel;

        options.Metadata = new AuthorityMetadataSource(
            authority, options, client, options.TimeProvider, loggers.CreateLogger<AuthorityMetadataSource>());
        if (options.Introspection is { } introspection)
        {
            options.IntrospectionClient = new IntrospectionClient(
                options, introspection, options.Metadata, client, options.TimeProvider, loggers.CreateLogger<IntrospectionClient>());
        }
    }
}
