using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using AuthServer.Configuration;
using AuthServer.Testing;
using AuthServer.Tests.Infrastructure;
using AuthServer.Validation;
using Microsoft.Extensions.Configuration;

namespace AuthServer.Tests.Deploy;

/// <summary>
/// docker-compose.yml, the Dockerfile and deploy/compose/ cannot be run here (no Docker engine), so they are checked
/// against what the tests do run: every setting names a real option and passes the server's start-up validation,
/// every mounted file exists or is made by setup.sh, the import file is accepted and lets the gateway's client turn
/// the demo client's token into a phantom JWT, and the gateway's entry point renders the tested nginx recipe.
/// </summary>
public sealed partial class ComposeFileTests : IDisposable
{
    private static readonly string Root = Loopback.RepositoryRoot();
    private readonly TempFolder _folder = new();
    private readonly ComposeFile _compose = ComposeFile.Parse(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));

    private string Generated => Path.Combine(_folder.Path, "generated");

    private string EnvFile => Path.Combine(_folder.Path, ".env");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Setup_WritesEverySecretTheComposeFileNeeds_AndKeepsThemOnASecondRun()
    {
        await RunSetupAsync();
        var first = File.ReadAllText(EnvFile);
        var variables = ReadEnv();

        var required = RequiredVariables().Matches(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")))
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(required);
        Assert.All(required, name => Assert.True(variables.ContainsKey(name), $"setup.sh does not write {name}"));
        Assert.Equal(32, Convert.FromBase64String(variables["AUTHSERVER_MASTER_KEY"]).Length);
        Assert.All(new[] { "POSTGRES_PASSWORD", "GATEWAY_CLIENT_SECRET", "DEMO_CLIENT_SECRET" },
            name => Assert.Matches("^[0-9a-f]{64}$", variables[name]));
        AssertPrivate(EnvFile);

        using var certificate = X509Certificate2.CreateFromPemFile(
            Path.Combine(Generated, "tls/authserver.crt"), Path.Combine(Generated, "tls/authserver.key"));
        Assert.True(certificate.HasPrivateKey);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().ToList();
        Assert.Contains("auth.localtest.me", names);
        Assert.Contains("authserver", names);
        AssertPrivate(Path.Combine(Generated, "tls/ca.key"));

        var clients = File.ReadAllText(Path.Combine(Generated, "clients.json"));
        Assert.DoesNotContain("{{", clients, StringComparison.Ordinal);
        Assert.Contains(variables["GATEWAY_CLIENT_SECRET"], clients, StringComparison.Ordinal);

        await RunSetupAsync();
        Assert.Equal(first, File.ReadAllText(EnvFile));
    }

    [Fact]
    public async Task Setup_RefusesAHostNameThatIsNotADnsName()
    {
        var result = await ChildProcess.RunAsync(SetupInfo(("AUTHSERVER_HOST", "auth.example.com; rm -rf /")), TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must be a DNS name", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(EnvFile));
    }

    [Fact]
    public async Task AuthServerSettings_NameRealOptions_AndPassStartUpValidation()
    {
        await RunSetupAsync();
        foreach (var name in new[] { "authserver", "authserver-setup" })
        {
            var environment = Settings(name);
            foreach (var key in environment.Keys.Where(k => k.StartsWith("AuthServer__", StringComparison.Ordinal)))
            {
                Assert.True(NamesProperty(typeof(AuthServerOptions), key.Split("__")[1..]), $"{name}: {key} names no AuthServer option");
            }

            Assert.All(environment.Keys.Where(k => k.StartsWith("Kestrel__", StringComparison.Ordinal)),
                key => Assert.Contains(key, new[] { "Kestrel__Certificates__Default__Path", "Kestrel__Certificates__Default__KeyPath" }));
            foreach (var mounted in environment.Values.Where(v => v.StartsWith("/tls/", StringComparison.Ordinal)))
            {
                Assert.True(File.Exists(Path.Combine(Generated, "tls", mounted["/tls/".Length..])), $"{mounted} is not made by setup.sh");
            }

            var options = AuthServerApp.LoadOptions(Configuration(environment));
            Assert.Equal("https://auth.localtest.me:8443", options.Issuer);
            Assert.Equal("PostgreSql", options.Database.Provider);
        }

        Assert.Equal(Settings("authserver"), Settings("authserver-setup"));
        Assert.Equal(["import", "/config/clients.json"], _compose.Services["authserver-setup"].Command);
    }

    [Fact]
    public async Task SampleApiSettings_NameRealValidationOptions()
    {
        await RunSetupAsync();
        var environment = Settings("sample-api");
        var validation = environment.Keys.Where(k => k.StartsWith("Validation__", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(validation);
        Assert.All(validation, key => Assert.True(NamesProperty(typeof(AuthServerValidationOptions), key.Split("__")[1..]), key));
        Assert.Equal(Settings("authserver")["AuthServer__Issuer"], environment["Validation__Authority"]);
        Assert.Equal("/tls/ca.crt", environment["SSL_CERT_FILE"]);
    }

    [Fact]
    public async Task EveryMountedFile_ExistsInTheRepository_OrIsMadeBySetup()
    {
        await RunSetupAsync();
        var sources = _compose.Services.Values.SelectMany(s => s.BindMountSources).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = source.StartsWith("deploy/compose/generated/", StringComparison.Ordinal)
                ? Path.Combine(Generated, source["deploy/compose/generated/".Length..])
                : Path.Combine(Root, source);
            Assert.True(File.Exists(path) || Directory.Exists(path), $"docker-compose.yml mounts ./{source}, which does not exist");
        }
    }

    [Fact]
    public async Task ImportFile_IsAccepted_AndTheGatewayTurnsTheDemoClientsTokenIntoAPhantomJwt()
    {
        await RunSetupAsync();
        var variables = ReadEnv();
        await using var server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path));
        await server.ImportAsync(File.ReadAllText(Path.Combine(Generated, "clients.json")));

        var audience = Settings("sample-api")["Validation__Audience"];
        var token = await server.IssueAsync(("demo-client", variables["DEMO_CLIENT_SECRET"]));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/phantom");
        request.Headers.Authorization = AuthServerHost.BasicHeader(
            _compose.Services["gateway"].Environment["GATEWAY_CLIENT_ID"], variables["GATEWAY_CLIENT_SECRET"]);
        request.Headers.Add("X-Access-Token", "Bearer " + token);
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var phantom = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(response.Headers.GetValues("X-Phantom-Token").Single());
        Assert.Contains(audience, phantom.Audiences);
        Assert.Contains(Settings("sample-api")["SampleApi__RequiredScope"], phantom.GetClaim("scope").Value.Split(' '));
    }

    [Fact]
    public async Task GatewayEntryPoint_RendersEveryPlaceholderOfTheRecipe()
    {
        var target = Path.Combine(_folder.Path, "gateway.conf");
        var gateway = _compose.Services["gateway"].Environment;
        var result = await RunEntryPointAsync(target, ("GATEWAY_CLIENT_SECRET", "s3cret-value"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var rendered = File.ReadAllText(target);
        Assert.DoesNotContain("{{", rendered, StringComparison.Ordinal);
        Assert.Contains($"listen {gateway["GATEWAY_LISTEN"]};", rendered, StringComparison.Ordinal);
        Assert.Contains("proxy_pass https://auth.localtest.me:8443/connect/phantom;", rendered, StringComparison.Ordinal);
        Assert.Contains($"proxy_pass {gateway["API_URL"]};", rendered, StringComparison.Ordinal);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{gateway["GATEWAY_CLIENT_ID"]}:s3cret-value"));
        Assert.Contains(basic, rendered, StringComparison.Ordinal);
        AssertPrivate(target);
    }

    [Theory]
    [InlineData("API_URL", "http://api:8080; return 200")]
    [InlineData("AUTHSERVER_URL", "https://auth}")]
    [InlineData("GATEWAY_CLIENT_SECRET", "needs%20encoding")]
    [InlineData("GATEWAY_CLIENT_SECRET", "")]
    public async Task GatewayEntryPoint_RefusesAValueThatWouldChangeTheConfiguration(string name, string value)
    {
        var target = Path.Combine(_folder.Path, "gateway.conf");
        var result = await RunEntryPointAsync(target, (name, value));

        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Dockerfile_HasTheTargetsTheComposeFileBuilds_AndPublishesTheirProjects()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var targets = _compose.Services.Values.Select(s => s.BuildTarget).OfType<string>().ToHashSet();
        Assert.Equal(new HashSet<string> { "authserver", "sample-api" }, targets);
        foreach (var (target, project, assembly) in new[]
                 {
                     ("authserver", "src/AuthServer/AuthServer.csproj", "AuthServer.dll"),
                     ("sample-api", "samples/SampleApi/SampleApi.csproj", "SampleApi.dll"),
                 })
        {
            Assert.Matches($@"(?m)^FROM \S+ AS {Regex.Escape(target)}$", dockerfile);
            Assert.Contains($"dotnet publish {project}", dockerfile, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Root, project)), project);
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{assembly}\"]", dockerfile, StringComparison.Ordinal);
        }

        // The image built by the setup service is the one the server runs.
        Assert.Equal(_compose.Services["authserver-setup"].Image, _compose.Services["authserver"].Image);
    }

    private Dictionary<string, string> Settings(string service)
    {
        var variables = File.Exists(EnvFile) ? ReadEnv() : new Dictionary<string, string>();
        return _compose.Services[service].Environment.ToDictionary(p => p.Key, p => ComposeFile.Interpolate(p.Value, variables));
    }

    private static IConfiguration Configuration(Dictionary<string, string> environment) => new ConfigurationBuilder()
        .AddInMemoryCollection(environment.Select(p => KeyValuePair.Create(p.Key.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value)))
        .Build();

    /// <summary>Whether a configuration path (case-insensitive, as the binder reads it) leads to a settable property.</summary>
    private static bool NamesProperty(Type type, string[] path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (path.Length == 1 ? property.CanWrite : NamesProperty(property.PropertyType, path[1..]));
    }

    private Dictionary<string, string> ReadEnv() => File.ReadAllLines(EnvFile)
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('=', 2))
        .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private System.Diagnostics.ProcessStartInfo SetupInfo(params (string Name, string Value)[] environment)
    {
        var info = ChildProcess.StartInfo("bash", [Path.Combine(Root, "deploy/compose/setup.sh")]);
        info.Environment["COMPOSE_GENERATED_DIR"] = Generated;
        info.Environment["COMPOSE_ENV_FILE"] = EnvFile;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    private async Task RunSetupAsync() => await ChildProcess.RunCheckedAsync(SetupInfo(), TimeSpan.FromSeconds(60));

    private async Task<ChildProcessResult> RunEntryPointAsync(string target, params (string Name, string Value)[] overrides)
    {
        var info = ChildProcess.StartInfo("sh", [Path.Combine(Root, "deploy/compose/gateway-entrypoint.sh")]);
        foreach (var (name, value) in _compose.Services["gateway"].Environment)
        {
            info.Environment[name] = ComposeFile.Interpolate(value, new Dictionary<string, string> { ["GATEWAY_CLIENT_SECRET"] = "unused" });
        }

        info.Environment["GATEWAY_TEMPLATE"] = Path.Combine(Root, "deploy/nginx/authserver-gateway.conf");
        info.Environment["GATEWAY_TARGET"] = target;
        info.Environment["GATEWAY_CACHE_DIR"] = Path.Combine(_folder.Path, "cache");
        info.Environment["GATEWAY_WORKER_USER"] = "authserver-no-such-user";
        info.Environment["GATEWAY_RENDER_ONLY"] = "1";
        foreach (var (name, value) in overrides)
        {
            info.Environment[name] = value;
        }

        return await ChildProcess.RunAsync(info, TimeSpan.FromSeconds(30));
    }

    /// <summary>Only the owner may read or write (0600).</summary>
    private static void AssertPrivate(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [GeneratedRegex(@"\$\{([A-Z_]+):\?")]
    private static partial Regex RequiredVariables();
}
