using System.Diagnostics;
using System.Reflection;
using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>The built AuthServer host (src/AuthServer/bin/&lt;Configuration&gt;/net10.0/AuthServer.dll), run as a child process.</summary>
public static class AuthServerHost
{
    public static string DllPath { get; } = Locate();

    /// <summary>`dotnet AuthServer.dll args` with configuration from environment variables, in <paramref name="workingDirectory"/>.</summary>
    public static ProcessStartInfo StartInfo(
        IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var info = ChildProcess.StartInfo(DotnetHost(), [DllPath, .. args], workingDirectory);

        // Only the configuration given here: nothing from the test's own environment that could redirect it.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("AuthServer__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // Production, plain HTTP on loopback, as the in-process test hosts run (docs/http-hardening.md).
        info.Environment["AuthServer__Http__RequireHttps"] = "false";

        // Every request of these tests comes from 127.0.0.1 (directly or through nginx): limits none of them reaches.
        foreach (var policy in (string[])["Token", "Introspection", "LoginPerSource", "LoginPerAccount", "MfaPerSource", "MfaPerAccount", "PerSource", "Health"])
        {
            info.Environment[$"AuthServer__RateLimits__{policy}__PermitLimit"] = "1000000";
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static string DotnetHost()
    {
        // `dotnet test` tells the test host where the muxer is; otherwise use the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string Locate()
    {
        var configuration = typeof(AuthServerHost).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "src", "AuthServer", "AuthServer.csproj")))
            {
                var dll = Path.Combine(folder.FullName, "src", "AuthServer", "bin", configuration, "net10.0", "AuthServer.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new InvalidOperationException(
                        $"{dll} does not exist: build src/AuthServer in {configuration} (the test project references it, " +
                        "so `dotnet test tests/AuthServer.Data.Tests` builds it).");
            }
        }

        throw new InvalidOperationException($"No repository (src/AuthServer/AuthServer.csproj) above {AppContext.BaseDirectory}.");
    }
}
