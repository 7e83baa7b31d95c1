using System.Net;
using AuthServer.Hosting;
using AuthServer.RateLimiting;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests.RateLimiting;

/// <summary>AuthServer:RateLimits is checked at start; each bad value stops the start with the key to fix.</summary>
public sealed class RateLimitConfigurationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData("--AuthServer:RateLimits:Token:PermitLimit=0", "AuthServer:RateLimits:Token:PermitLimit must be at least 1")]
    [InlineData("--AuthServer:RateLimits:LoginPerAccount:PermitLimit=-5", "AuthServer:RateLimits:LoginPerAccount:PermitLimit must be at least 1")]
    [InlineData("--AuthServer:RateLimits:PerSource:Window=00:00:00", "AuthServer:RateLimits:PerSource:Window must be between 00:00:01 and 1.00:00:00, e.g. 00:01:00")]
    [InlineData("--AuthServer:RateLimits:MfaPerSource:Window=00:00:00.500", "AuthServer:RateLimits:MfaPerSource:Window must be between")]
    [InlineData("--AuthServer:RateLimits:Health:Window=2.00:00:00", "AuthServer:RateLimits:Health:Window must be between")]
    public async Task Start_WithBadRateLimit_StopsWithTheKeyToFix(string arg, string message)
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        string[] args =
        [
            "--Urls=http://127.0.0.1:0", $"--AuthServer:Database:ConnectionString={settings.ConnectionString}",
            $"--AuthServer:KeysDirectory={settings.KeysDirectory}", arg,
        ];

        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerApp.CreateAsync(args));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(new RateLimitOptions().Problems());
    }

    [Theory]
    [InlineData(600, 60, 10, 1_000)] // 600 a minute: 10 every second
    [InlineData(20, 60, 1, 3_000)] // 20 a minute: 1 every 3 seconds
    [InlineData(100, 60, 2, 1_200)] // 100 a minute: 2 every 1.2 seconds, exactly 100 a minute
    [InlineData(300, 1, 300, 1_000)] // 300 a second
    [InlineData(3, 3600, 1, 1_200_000)] // the tests' 3 an hour: 1 every 20 minutes
    public void Bucket_RefillsPermitLimitPerWindow_InStepsOfAtLeastASecond(int permits, int windowSeconds, int tokensPerPeriod, int periodMilliseconds)
    {
        var bucket = RateLimitBuckets.BucketOptions(new RateLimitRule(permits, TimeSpan.FromSeconds(windowSeconds)));

        Assert.Equal(permits, bucket.TokenLimit);
        Assert.Equal(tokensPerPeriod, bucket.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(periodMilliseconds), bucket.ReplenishmentPeriod);
        Assert.Equal(0, bucket.QueueLimit);
        Assert.False(bucket.AutoReplenishment);
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>AuthServer:RateLimits:Enabled=false: nothing is counted, however low the limits.</summary>
public abstract class RateLimitSwitchTests(ServerFixture fixture)
{
    public static readonly string[] Args = ["--AuthServer:RateLimits:Enabled=false", .. RateLimitSettings.Low(("Token", 1), ("PerSource", 1))];

    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task Disabled_NothingIsRefused()
    {
        for (var i = 0; i < 3; i++)
        {
            using var discovery = await Server.Http.GetAsync("/.well-known/openid-configuration");
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
            await Server.IssueAsync(Opaque);
        }
    }
}

public sealed class SqliteRateLimitSwitchFixture : SqliteServerFixture
{
    protected override string[] ExtraArgs => RateLimitSwitchTests.Args;
}

public sealed class PostgresRateLimitSwitchFixture : PostgresServerFixture
{
    protected override string[] ExtraArgs => RateLimitSwitchTests.Args;
}

public sealed class SqliteRateLimitSwitchTests(SqliteRateLimitSwitchFixture fixture) : RateLimitSwitchTests(fixture), IClassFixture<SqliteRateLimitSwitchFixture>;

public sealed class PostgresRateLimitSwitchTests(PostgresRateLimitSwitchFixture fixture) : RateLimitSwitchTests(fixture), IClassFixture<PostgresRateLimitSwitchFixture>;
