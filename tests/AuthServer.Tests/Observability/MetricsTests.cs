using System.Net;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.Observability;

/// <summary>The AuthServer meter: what each outcome counts, with which tags, and that tags stay bounded.</summary>
public abstract class MetricsTests(ServerFixture fixture)
{
    private const string Issued = "authserver.tokens.issued";

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task ClientCredentials_EachFormat_CountsAnAccessTokenByGrantFormatAndClient()
    {
        using var metrics = new MetricsRecorder(Server);

        await Server.IssueAsync(Opaque);
        await Server.IssueAsync(Jwt);

        Assert.Single(metrics.Of(Issued, ("token_type", "access_token"), ("grant", "client_credentials"), ("format", "opaque"), ("client", Opaque.Id)));
        Assert.Single(metrics.Of(Issued, ("token_type", "access_token"), ("grant", "client_credentials"), ("format", "jwt"), ("client", Jwt.Id)));
        Assert.Empty(metrics.Of(Issued, ("token_type", "refresh_token")));
        Assert.All(metrics.Of(Issued), m => Assert.Equal(["client", "format", "grant", "token_type"], m.Tags.Keys.Order()));
    }

    [Fact]
    public async Task CodeFlow_WithOpenIdAndOfflineAccess_CountsCodeAccessRefreshAndIdToken()
    {
        using var metrics = new MetricsRecorder(Server);

        await CodeFlow.TokensAsync(Server, "openid offline_access orders.read");

        Assert.Single(metrics.Of("authserver.authorization_codes.issued", ("client", Web.Id)));
        foreach (var type in new[] { "access_token", "refresh_token", "id_token" })
        {
            Assert.Single(metrics.Of(Issued, ("token_type", type), ("grant", "authorization_code"), ("client", Web.Id)));
        }
    }

    [Fact]
    public async Task ProtocolError_PathInAnyCase_IsTaggedWithTheCanonicalEndpoint()
    {
        using var metrics = new MetricsRecorder(Server);

        using var response = await Server.PostFormAsync("/CONNECT/Token", [("grant_type", "urn:example:nope")], Opaque);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single(metrics.Of("authserver.protocol.errors"));
        Assert.Equal("/connect/token", error.Tags["endpoint"]);
        Assert.Equal("unsupported_grant_type", error.Tags["error"]);
    }

    [Fact]
    public async Task Introspection_ActiveAndInactive_CountedByCaller()
    {
        using var metrics = new MetricsRecorder(Server);

        await Server.IntrospectAsync(await Server.IssueAsync(Opaque), Gateway);
        await Server.IntrospectAsync("not-a-token", Gateway);

        Assert.Single(metrics.Of("authserver.introspections", ("caller", Gateway.Id), ("active", "true")));
        Assert.Single(metrics.Of("authserver.introspections", ("caller", Gateway.Id), ("active", "false")));
    }

    [Fact]
    public async Task LoginFailures_UnknownUserAndWrongPassword_CountedByReasonWithoutTheName()
    {
        using var metrics = new MetricsRecorder(Server);
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await Server.CreateUserAsync(name, CodeFlow.Password);
        using var browser = new PageSession(Server);

        using (await browser.SubmitAsync("/account/login", ("Username", name), ("Password", "wrong password!"), ("ReturnUrl", "/")))
        using (await browser.SubmitAsync("/account/login", ("Username", name + "-nobody"), ("Password", "wrong password!"), ("ReturnUrl", "/")))
        {
        }

        Assert.Single(metrics.Of("authserver.login.failures", ("step", "password"), ("reason", "bad_password")));
        Assert.Single(metrics.Of("authserver.login.failures", ("step", "password"), ("reason", "unknown_user")));
        Assert.All(metrics.Of("authserver.login.failures"), m => Assert.Equal(["reason", "step"], m.Tags.Keys.Order()));
    }

    [Fact]
    public async Task SigningKeyAge_ClockMovesAnHour_GrowsByAnHourPerAlgorithm()
    {
        await Server.IssueAsync(Jwt);
        using var metrics = new MetricsRecorder(Server);

        metrics.Observe();
        var before = metrics.Of("authserver.signing_key.age", ("algorithm", "ES256")).Single();
        Server.Time.Advance(TimeSpan.FromHours(1));
        try
        {
            metrics.Observe();
        }
        finally
        {
            Server.Time.Advance(-TimeSpan.FromHours(1));
        }

        var after = metrics.Of("authserver.signing_key.age", ("algorithm", "ES256"))[1];
        Assert.Equal("s", before.Unit);
        Assert.True(before.Value >= 0);
        Assert.Equal(3600, after.Value - before.Value, precision: 3);
    }
}

public sealed class SqliteMetricsTests(SqliteServerFixture fixture) : MetricsTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresMetricsTests(PostgresServerFixture fixture) : MetricsTests(fixture), IClassFixture<PostgresServerFixture>;
