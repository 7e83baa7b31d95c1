using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Data.Import;
using AuthServer.Protocol.Grants;
using AuthServer.Testing;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests.Deploy;

/// <summary>
/// The authserver service of docker-compose.yml, as far as this machine can run it: the real server in the Production
/// environment with exactly that service's settings (HTTPS with the certificate setup.sh makes, PostgreSQL, the master
/// key) — only the database address, the port and the certificate's folder differ — reached by the name of its issuer
/// and trusting only the compose CA, as the gateway and the sample API do.
/// </summary>
public sealed class ComposeServerTests : IAsyncLifetime
{
    private static readonly string Root = Loopback.RepositoryRoot();
    private readonly TempFolder _folder = new();
    private readonly int _port = Loopback.FreePort();
    private Dictionary<string, string> _variables = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    private string Generated => Path.Combine(_folder.Path, "generated");

    public async Task InitializeAsync()
    {
        var setup = ChildProcess.StartInfo("bash", [Path.Combine(Root, "deploy/compose/setup.sh")]);
        setup.Environment["COMPOSE_GENERATED_DIR"] = Generated;
        setup.Environment["COMPOSE_ENV_FILE"] = Path.Combine(_folder.Path, ".env");
        await ChildProcess.RunCheckedAsync(setup, TimeSpan.FromSeconds(60));
        _variables = File.ReadAllLines(Path.Combine(_folder.Path, ".env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        var cluster = await SharedPostgres.GetAsync();
        var database = await cluster.CreateDatabaseAsync($"compose_{_port}");
        var compose = ComposeFile.Parse(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));
        var settings = compose.Services["authserver"].Environment
            .ToDictionary(p => p.Key, p => ComposeFile.Interpolate(p.Value, _variables));
        settings["Urls"] = settings["Urls"].Replace("+:8443", $"127.0.0.1:{_port}", StringComparison.Ordinal);
        settings["AuthServer__Issuer"] = settings["AuthServer__Issuer"].Replace(":8443", $":{_port}", StringComparison.Ordinal);
        settings["AuthServer__Database__ConnectionString"] = database;
        foreach (var key in settings.Keys.Where(k => settings[k].StartsWith("/tls/", StringComparison.Ordinal)).ToList())
        {
            settings[key] = Path.Combine(Generated, "tls", settings[key]["/tls/".Length..]);
        }

        var environment = settings["ASPNETCORE_ENVIRONMENT"];
        settings.Remove("ASPNETCORE_ENVIRONMENT");
        string[] args =
        [
            $"--environment={environment}",
            $"--AuthServer:KeysDirectory={Path.Combine(_folder.Path, "keys")}",
            "--Logging:LogLevel:Default=Warning",
            .. settings.Select(p => $"--{p.Key.Replace("__", ":", StringComparison.Ordinal)}={p.Value}"),
        ];
        _app = await AuthServerApp.CreateAsync(args);
        await _app.StartAsync();

        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Generated, "tls/ca.crt")));
        _http = new HttpClient(new SocketsHttpHandler
        {
            // The issuer's name leads to this server, as the compose network's alias makes it do.
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, _port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        })
        {
            BaseAddress = new Uri(settings["AuthServer__Issuer"]),
        };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task Server_WithTheComposeSettings_IsReady_OverHttpsWithTheComposeCertificate()
    {
        using var ready = await _http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        using var discovery = JsonDocument.Parse(await _http.GetStringAsync("/.well-known/openid-configuration"));
        Assert.Equal($"https://auth.localtest.me:{_port}", discovery.RootElement.GetProperty("issuer").GetString());

        using var response = await _http.GetAsync("/.well-known/jwks.json");
        Assert.True(response.Headers.Contains("Strict-Transport-Security"), "HTTPS answers carry HSTS outside Development");
    }

    [Fact]
    public async Task Server_WithTheComposeSettings_IssuesTheDemoClientAToken_AfterTheSetupServicesImport()
    {
        var importer = new ConfigurationImporter(_app.Services.GetRequiredService<AuthServerDatabase>(), TimeProvider.System,
            _app.Services.GetRequiredService<GrantHandlers>().Names.ToHashSet());
        var result = await importer.ImportAsync(File.ReadAllText(Path.Combine(Generated, "clients.json")), CancellationToken.None);
        Assert.Empty(result.Errors);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = AuthServerHost.BasicHeader("demo-client", _variables["DEMO_CLIENT_SECRET"]);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
    }
}
