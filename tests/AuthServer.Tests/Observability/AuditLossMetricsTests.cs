using System.Net;
using AuthServer.Data.Stores;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Observability;

/// <summary>
/// authserver.audit.events.lost: security events are written without the request waiting for them, so one that is
/// not stored must at least be counted. A host of its own, because its audit table is taken away.
/// </summary>
public sealed class AuditLossMetricsTests : IAsyncLifetime
{
    private const string Lost = "authserver.audit.events.lost";

    private readonly TempFolder _folder = new();
    private AuthServerHost _server = null!;

    public async Task InitializeAsync() => _server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task AuditEventNotStored_IsCountedByReason()
    {
        using var metrics = new MetricsRecorder(_server);
        metrics.Observe();
        Assert.Equal(0, Assert.Single(metrics.Of(Lost, ("reason", "write_failed"))).Value);
        Assert.Equal(0, Assert.Single(metrics.Of(Lost, ("reason", "queue_full"))).Value);

        await Database.QueryAsync(_server, "DROP TABLE audit_events");
        using (var refused = await _server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], ("no-such-client", "wrong secret")))
        {
            // The answer does not wait for its audit event.
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The writer handles writes in order: once a later, awaited one has failed, the refusal's event has been tried.
        await Assert.ThrowsAnyAsync<Exception>(_server.FlushAuditAsync);
        metrics.Observe();

        var lost = metrics.Of(Lost, ("reason", "write_failed"))[^1];
        Assert.True(lost.Value >= 1, $"{lost.Value} events counted as lost");
        Assert.Equal(_server.Service<GroupCommitWriter>().LostAuditEvents, lost.Value);
        Assert.Equal("{event}", lost.Unit);
    }
}
