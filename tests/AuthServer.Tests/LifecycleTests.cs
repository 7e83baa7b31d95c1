using AuthServer.Hosting;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>Tests that own their server: they restart it, move its clock or break its configuration.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Restart_TokensIssuedBeforeStayValid()
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        string opaque, jwt, jwks;
        int port;
        await using (var first = await AuthServerHost.StartAsync(settings))
        {
            port = first.Port;
            await first.ImportAsync(Json);
            opaque = await first.IssueAsync(Opaque);
            jwt = await first.IssueAsync(Jwt);
            jwks = await first.Http.GetStringAsync("/.well-known/jwks.json");
        }

        // The same issuer (host and port) as before: a restart does not change the issuer.
        await using var second = await AuthServerHost.StartAsync(settings, port: port);

        Assert.True((await second.IntrospectAsync(opaque, Gateway)).GetProperty("active").GetBoolean());
        Assert.True((await second.IntrospectAsync(jwt, Gateway)).GetProperty("active").GetBoolean());
        Assert.Equal(jwks, await second.Http.GetStringAsync("/.well-known/jwks.json"));
    }

    [Fact]
    public async Task Expiry_TokensBecomeInactiveAtTheirExpiry()
    {
        await using var server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path));
        await server.ImportAsync(Json);
        var opaque = await server.IssueAsync(Opaque);
        var jwt = await server.IssueAsync(Jwt);

        server.Time.Advance(TimeSpan.FromSeconds(599));
        Assert.True((await server.IntrospectAsync(opaque, Gateway)).GetProperty("active").GetBoolean());
        Assert.True((await server.IntrospectAsync(jwt, Gateway)).GetProperty("active").GetBoolean());

        server.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("{\"active\":false}", (await server.IntrospectAsync(opaque, Gateway)).GetRawText());
        Assert.Equal("{\"active\":false}", (await server.IntrospectAsync(jwt, Gateway)).GetRawText());
    }

    [Fact]
    public async Task Pruning_DeletesExpiredAndLongRevokedTokensInBatches()
    {
        await using var server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path) with
        {
            ExtraArgs = ["--AuthServer:Tokens:PruneBatchSize=3", "--AuthServer:Tokens:RevokedRetention=00:01:00"],
        });
        await server.ImportAsync(Json);
        for (var i = 0; i < 7; i++)
        {
            await server.IssueAsync(Opaque);
        }

        server.Time.Advance(TimeSpan.FromSeconds(300));
        var revoked = await server.IssueAsync(Opaque);
        await server.PostFormAsync("/connect/revoke", [("token", revoked)], Opaque);
        var live = await server.IssueAsync(Opaque);
        server.Time.Advance(TimeSpan.FromSeconds(301));

        var pruned = await server.Service<TokenPruningService>().PruneOnceAsync(CancellationToken.None);

        // The 7 expired tokens and the revoked one (past its 1-minute retention) go; the live one stays.
        Assert.Equal(8, pruned);
        Assert.Single(await Database.TokenIdsAsync(server));
        Assert.True((await server.IntrospectAsync(live, Gateway)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Start_WithAnotherMasterKey_StopsWithoutMakingNewKeys()
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        await (await AuthServerHost.StartAsync(settings)).DisposeAsync();
        var keyFile = Path.Combine(settings.KeysDirectory, "master.key");
        File.WriteAllText(keyFile, Convert.ToBase64String(new byte[32]));

        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerHost.StartAsync(settings));

        Assert.Contains("master key is wrong", error.Message);
    }

    [Fact]
    public async Task Start_WithKeysInTheDatabaseButNoMasterKey_Stops()
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        await (await AuthServerHost.StartAsync(settings)).DisposeAsync();
        File.Delete(Path.Combine(settings.KeysDirectory, "master.key"));

        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerHost.StartAsync(settings));

        Assert.Contains("no master key was found", error.Message);
        Assert.False(File.Exists(Path.Combine(settings.KeysDirectory, "master.key")));
    }

    [Fact]
    public async Task Start_CreatesTheMasterKeyFileReadableOnlyByItsOwner()
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        await (await AuthServerHost.StartAsync(settings)).DisposeAsync();

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(settings.KeysDirectory, "master.key"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Theory]
    [InlineData("--AuthServer:Issuer=http://auth.example.com", "must use https")]
    [InlineData("--AuthServer:Issuer=https://auth.example.com/", "trailing slash")]
    [InlineData("--AuthServer:Issuer=https://auth.example.com?x=1", "query")]
    [InlineData("--AuthServer:Database:Provider=Oracle", "Unknown database provider")]
    [InlineData("--AuthServer:MasterKey=short", "32 bytes")]
    [InlineData("--AuthServer:Caches:ClientLifetime=-00:00:01", "positive")]
    [InlineData("--AuthServer:Keys:PublishAhead=00:01:00", "AuthServer:Keys: PublishAhead")]
    [InlineData("--AuthServer:Keys:ActiveLifetime=2.00:00:00", "AuthServer:Keys: ActiveLifetime")]
    [InlineData("--AuthServer:Keys:RetainAfterRetirement=01:00:00", "AuthServer:Keys: RetainAfterRetirement")]
    [InlineData("--AuthServer:Gateway:PhantomCacheLifetime=00:10:00", "PhantomCacheLifetime")]
    public async Task Start_WithBadConfiguration_StopsWithWhatToFix(string arg, string message)
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        string[] args =
        [
            "--Urls=http://127.0.0.1:0", $"--AuthServer:Database:ConnectionString={settings.ConnectionString}",
            $"--AuthServer:KeysDirectory={settings.KeysDirectory}", "--AuthServer:Http:RequireHttps=false", arg,
        ];

        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerApp.CreateAsync(args));

        Assert.Contains(message, error.Message);
    }

    public void Dispose() => _folder.Dispose();
}
