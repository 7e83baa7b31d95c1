using AuthServer.Hosting;
using AuthServer.Http;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace AuthServer.Tests.Http;

/// <summary>A bad AuthServer:Http setting stops the start with what to fix.</summary>
public sealed class HttpStartupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData("--AuthServer:Http:RequireHttps=true", "must use https because AuthServer:Http:RequireHttps is true")]
    [InlineData("--AuthServer:Http:TrustedProxies:0=proxy.internal", "'proxy.internal' is neither an IP address")]
    [InlineData("--AuthServer:Http:TrustedProxies:0=10.0.0.0/33", "'10.0.0.0/33' is neither an IP address")]
    [InlineData("--AuthServer:Http:MaxFormValueCount=1", "AuthServer:Http:MaxFormValueCount must be between")]
    [InlineData("--AuthServer:Http:MaxRequestBodySize=100", "AuthServer:Http:MaxRequestBodySize must be between")]
    [InlineData("--AuthServer:Http:MaxFormValueLength=1000000", "AuthServer:Http:MaxFormValueLength must be between")]
    [InlineData("--AuthServer:Http:MaxRequestHeadersTotalSize=100", "AuthServer:Http:MaxRequestHeadersTotalSize must be between")]
    [InlineData("--AuthServer:Http:MaxRequestHeaderCount=5", "AuthServer:Http:MaxRequestHeaderCount must be between")]
    [InlineData("--AuthServer:Http:Hsts:MaxAge=-1.00:00:00", "AuthServer:Http:Hsts:MaxAge must be between")]
    [InlineData("--FORWARDEDHEADERS_ENABLED=true", "AuthServer:Http:TrustedProxies")]
    public async Task Start_WithBadHttpSetting_StopsWithWhatToFix(string arg, string message)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerApp.CreateAsync(Args(arg)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InProductionWithAnHttpIssuerAndNoRequireHttpsSetting_StopsBecauseHttpsIsTheDefault()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => AuthServerApp.CreateAsync(Args(null)));

        Assert.Contains("must use https because AuthServer:Http:RequireHttps is true (the default outside the Development environment)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development", null, false)]
    [InlineData("Production", null, true)]
    [InlineData("Staging", null, true)]
    [InlineData("Development", true, true)]
    [InlineData("Production", false, false)]
    public void RequireHttps_DefaultsByEnvironment(string environment, bool? configured, bool expected)
    {
        var options = new HttpHardeningOptions { RequireHttps = configured };

        Assert.Equal(expected, options.RequiresHttps(new TestEnvironment(environment)));
    }

    [Fact]
    public void Hsts_HeaderValue_FollowsTheSettings()
    {
        Assert.Equal("max-age=31536000", new HstsOptions().HeaderValue());
        Assert.Equal("max-age=600; includeSubDomains", new HstsOptions { MaxAge = TimeSpan.FromMinutes(10), IncludeSubDomains = true }.HeaderValue());
    }

    public void Dispose() => _folder.Dispose();

    private string[] Args(string? arg)
    {
        var settings = HostSettings.NewSqlite(_folder.Path);
        return
        [
            "--Urls=http://127.0.0.1:0", "--AuthServer:Issuer=http://127.0.0.1:5999",
            $"--AuthServer:Database:ConnectionString={settings.ConnectionString}", $"--AuthServer:KeysDirectory={settings.KeysDirectory}",
            .. arg is null ? Array.Empty<string>() : ["--AuthServer:Http:RequireHttps=false", arg],
        ];
    }

    private sealed class TestEnvironment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "AuthServer";

        public string ContentRootPath { get; set; } = "";

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
