using AuthServer.Admin;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthServer.Signals;

/// <summary>
/// Wires the abuse signals in: their options (checked at start), the counters, and the host's audit sink, which
/// replaces the store's sink so every event recorded during a request carries its source and is watched.
/// The figures are served by the overview (Admin/Overview).
/// </summary>
public sealed class SignalsModule : IAdminModule
{
    public void AddServices(IServiceCollection services)
    {
        // Read when the admin API pipeline is built (AdminNotFoundWatch), so a bad value stops the start.
        services.AddSingleton(sp => AbuseSignalOptions.Load(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<AbuseSignals>();
        services.AddSingleton<AuditSink>();
        services.AddHttpContextAccessor();
        services.Replace(ServiceDescriptor.Singleton<IAuditSink, SourceAuditSink>());
    }

    public void MapApi(RouteGroupBuilder api)
    {
        // No endpoints of its own: GET /admin/api/v1/overview reports the signals.
    }
}
