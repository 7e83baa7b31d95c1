namespace AuthServer.RateLimiting;

/// <summary>Wires rate limiting in: two calls from AuthServerApp (services, then the pipeline).</summary>
public static class RateLimitSetup
{
    public static IServiceCollection AddAuthServerRateLimits(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<RateLimitBuckets>();
        services.AddSingleton<RateLimitRejections>();
        return services;
    }

    /// <summary>Adds the limiter unless AuthServer:RateLimits:Enabled is false (then nothing is counted at all).</summary>
    public static IApplicationBuilder UseAuthServerRateLimits(this IApplicationBuilder app)
    {
        return app.ApplicationServices.GetRequiredService<RateLimitOptions>().Enabled ? app.UseMiddleware<RateLimitMiddleware>() : app;
    }
}
