using AuthServer.Account;
using AuthServer.Admin;
using AuthServer.Configuration;
using AuthServer.Data;
using AuthServer.Data.Stores;
using AuthServer.Authorization;
using AuthServer.Data.Users;
using AuthServer.DataProtection;
using AuthServer.Endpoints;
using AuthServer.Hosting;
using AuthServer.Http;
using AuthServer.Observability;
using AuthServer.Protocol;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Introspection;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Resources;
using AuthServer.Protocol.Revocation;
using AuthServer.Protocol.Tokens;
using AuthServer.Protocol.Users;
using AuthServer.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthServer;

/// <summary>Builds the web application: configuration, services, endpoints. Tests build the same app.</summary>
public static class AuthServerApp
{
    /// <summary>Builds and initializes (schema, keys) the application; the caller runs or starts it.</summary>
    /// <param name="configure">Lets tests add configuration and replace services (e.g. the TimeProvider).</param>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,

            // The pages are compiled into this assembly; name it, so they are found when a test host is the entry point.
            ApplicationName = typeof(AuthServerApp).Assembly.GetName().Name,
        });
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        var options = LoadOptions(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddAuthServerHttpHardening(options);
        builder.Logging.AddClientNoiseFilters();
        AddAuthServer(builder.Services, options);
        builder.AddAuthServerTelemetry(options.Telemetry);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseCorrelationId();

        app.UseAuthServerHttpHardening();
        // Rate limits (docs/rate-limits.md) count every request before any endpoint work, so they come before the
        // three branches, and after anything that sets the real client address (forwarded headers) above.
        app.UseAuthServerRateLimits();

        // Protocol endpoints answer in RFC 6749 §5.2 JSON; pages answer with a page.
        app.UseWhen(IsProtocolRequest, protocol => protocol.UseMiddleware<ErrorResponseMiddleware>().UseAuthServerCors());
        app.UseWhen(AdminApi.IsApiRequest, api => api.UseAdminApiPipeline());
        app.UseWhen(c => !IsProtocolRequest(c) && !AdminApi.IsApiRequest(c) && !HealthEndpoints.IsHealthRequest(c), pages =>
        {
            pages.UsePageErrors();
            pages.UsePageSecurityHeaders();

            // Only pages read the session cookie on every request (about 3 % of the CPU of a token or introspection
            // request, measured with perf); authorize and endsession authenticate explicitly when they need to.
            pages.UseAuthentication();
            pages.UseAuthorization();
        });

        // WebApplication puts authentication and authorization in front of everything unless it sees them added;
        // the branch above adds them for pages. (Should these keys ever change, the middleware is simply added for
        // every request again: slower, not less safe.)
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
        MapEndpoints(app);

        await app.Services.GetRequiredService<StartupInitializer>().InitializeAsync(CancellationToken.None);
        return app;
    }

    internal static bool IsProtocolRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);

    /// <summary>Binds and validates the options; a bad configuration stops the process with what to fix.</summary>
    /// <param name="environment">Given when the process serves HTTP: AuthServer:Http:RequireHttps then takes its environment default.</param>
    public static AuthServerOptions LoadOptions(IConfiguration configuration, IHostEnvironment? environment = null)
    {
        var options = new AuthServerOptions();
        configuration.GetSection(AuthServerOptions.Section).Bind(options);
        if (environment is not null)
        {
            options.Http.RequireHttps = options.Http.RequiresHttps(environment);
        }

        var result = new AuthServerOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new StartupException("The configuration is invalid:\n  - " + string.Join("\n  - ", result.Failures));
        }

        return options;
    }

    public static AuthServerDatabase CreateDatabase(AuthServerOptions options, ILoggerFactory? loggers = null) =>
        new(AuthServerDatabase.ParseProvider(options.Database.Provider), options.Database.ConnectionString, loggers);

    private static void AddAuthServer(IServiceCollection services, AuthServerOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<IOptions<AuthServerOptions>>(Options.Create(options));
        services.AddSingleton(new ProtocolSettings(options.Issuer));
        services.AddSingleton(new CacheSettings(options.Caches.ClientLifetime, options.Caches.ResourceLifetime));
        services.AddSingleton(new TokenStoreSettings(options.Tokens.RevokedRetention));
        services.AddMetrics();
        services.AddSingleton<AuthServerMetrics>();
        services.AddAuthServerRateLimits(options.RateLimits);

        // Data
        services.AddSingleton(sp => CreateDatabase(options, sp.GetRequiredService<ILoggerFactory>()));
        services.AddAuthServerUsers(options.Users).AddSignInManager<AuthServerSignInManager>();
        AddSignIn(services, options);
        services.AddSingleton(sp =>
        {
            var writer = new GroupCommitWriter(sp.GetRequiredService<AuthServerDatabase>());
            AuthServerMetrics.ObserveAuditWriter(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), writer);
            return writer;
        });
        services.AddSingleton<TokenStore>();
        services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<TokenStore>());
        services.AddSingleton<IClientStore, ClientStore>();
        services.AddSingleton<IResourceStore, ResourceStore>();
        services.AddSingleton<ISigningKeyStore, SigningKeyStore>();
        services.AddSingleton(options.KeySchedule());
        services.AddSingleton<SigningKeyManager>();
        services.AddSingleton<IAuditSink, AuditSink>();

        // Keys
        services.AddSingleton<MasterKeySource>();
        services.AddSingleton<SigningKeyRingSource>();
        services.AddSingleton<ISigningKeyRingSource>(sp => sp.GetRequiredService<SigningKeyRingSource>());
        services.AddSingleton<StartupInitializer>();

        // Engine
        services.AddSingleton<ClientAuthenticator>();
        services.AddPrivateKeyJwt();
        services.AddSingleton<JwtAccessTokenWriter>();
        services.AddSingleton<JwtAccessTokenReader>();
        services.AddSingleton<TokenLocator>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<TokenIntrospector>();
        services.AddSingleton<IntrospectionResponse>();
        services.AddSingleton<TokenRevoker>();
        services.AddSingleton<IGrantHandler, ClientCredentialsGrant>();
        services.AddSingleton<IGrantHandler, AuthorizationCodeGrant>();
        services.AddSingleton<IGrantHandler, RefreshTokenGrant>();
        services.AddSingleton<IGrantHandler, TokenExchangeGrant>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<IdTokenWriter>();
        services.AddSingleton<IAuthorizationCodeStore, AuthorizationCodeStore>();
        services.AddSingleton<AuthorizationCodeIssuer>();
        services.AddSingleton<AuthorizationRequestValidator>();
        services.AddSingleton<AuthorizationResponses>();
        services.AddSingleton<IUserDirectory, UserDirectory>();
        services.AddSingleton<IUserClaimStore, UserClaimStore>();
        services.AddSingleton<ClaimsService>();
        services.AddSingleton<IConsentStore, ConsentStore>();
        services.AddSingleton<GrantHandlers>();
        services.AddSingleton<MetadataEndpoints>();

        services.AddHostedService<TokenPruningService>();
        services.AddSingleton(sp => sp.GetServices<IHostedService>().OfType<TokenPruningService>().Single());
        services.AddHostedService<KeyRefreshService>();
        services.AddAdmin(options);
        services.AddAuthServerHealth();
    }

    /// <summary>The session cookie, antiforgery and the keys that protect both.</summary>
    private static void AddSignIn(IServiceCollection services, AuthServerOptions options)
    {
        // Every page under /admin needs the admin role and a session that proved a second factor.
        services.AddRazorPages(o => o.Conventions.AuthorizeFolder("/Admin", AdminAccess.UiPolicy)).AddMvcOptions(PageRequestOptions.Apply);
        // The key ring lives in the database, so every node accepts the others' cookies and tokens; each key's secret
        // is sealed under the master key. (Keys of the old keys/data-protection folder are not read: signed in again.)
        services.AddDataProtection().SetApplicationName("AuthServer");
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddSingleton<MasterKeyXmlEncryption>();
        services.AddOptions<KeyManagementOptions>().Configure<DataProtectionKeyStore, MasterKeyXmlEncryption>((o, store, encryption) =>
        {
            o.XmlRepository = new DatabaseXmlRepository(store);
            o.XmlEncryptor = new MasterKeyXmlEncryptor(encryption);
        });
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies(cookies =>
        {
            cookies.ApplicationCookie!.Configure(o =>
            {
                o.Cookie.Name = "authserver.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/";
                o.ReturnUrlParameter = "returnUrl";
                o.ExpireTimeSpan = options.Users.SessionLifetime;
                o.SlidingExpiration = false;
                o.Events.OnRedirectToAccessDenied = context =>
                {
                    // Signed in but not allowed: say so (403), rather than send the browser somewhere else.
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
            cookies.TwoFactorUserIdCookie!.Configure(o =>
            {
                o.Cookie.Name = "authserver.mfa";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            });
        });
        services.AddAuthorization();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "authserver.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet(AssetEndpoints.StylesheetPath, AssetEndpoints.WriteStylesheetAsync);
        app.MapGet(AssetEndpoints.AdminStylesheetPath, AssetEndpoints.WriteAdminStylesheetAsync);
        app.MapGet(AssetEndpoints.FormPostScriptPath, AssetEndpoints.WriteFormPostScriptAsync);
        app.MapMethods(AuthorizeEndpoint.Path, [HttpMethods.Get, HttpMethods.Post], AuthorizeEndpoint.HandleAsync);
        app.MapMethods(UserInfoEndpoint.Path, [HttpMethods.Get, HttpMethods.Post], UserInfoEndpoint.HandleAsync);
        app.MapMethods(EndSessionEndpoint.Path, [HttpMethods.Get, HttpMethods.Post], EndSessionEndpoint.HandleAsync);
        app.MapRazorPages();
        var metadata = app.Services.GetRequiredService<MetadataEndpoints>();
        app.MapGet(MetadataEndpoints.OpenIdConfigurationPath, metadata.WriteMetadataAsync);
        app.MapGet(MetadataEndpoints.OAuthMetadataPath, metadata.WriteMetadataAsync);
        app.MapGet(MetadataEndpoints.JwksPath, metadata.WriteJwksAsync);
        app.MapPost(TokenEndpoint.Path, TokenEndpoint.HandleAsync);
        app.MapPost(IntrospectionEndpoint.Path, IntrospectionEndpoint.HandleAsync);
        app.MapGet(PhantomTokenEndpoint.Path, PhantomTokenEndpoint.HandleAsync);
        app.MapPost(RevocationEndpoint.Path, RevocationEndpoint.HandleAsync);
        app.MapAdminApi();
        app.MapAuthServerHealth();
    }
}
