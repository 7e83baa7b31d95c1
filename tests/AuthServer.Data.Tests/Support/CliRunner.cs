using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>Runs the authserver command line as a child process against a test database.</summary>
internal static class CliRunner
{
    public static string RepositoryRoot() => Loopback.RepositoryRoot();

    /// <param name="extraEnvironment">More configuration (e.g. AuthServer__KeysDirectory), on top of the database's.</param>
    public static async Task<ChildProcessResult> RunAsync(
        TestDatabase database, string[] args, string standardInput, string environmentName = "Production",
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var workingDirectory = Directory.CreateTempSubdirectory("authserver-cli-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["AuthServer__Database__Provider"] = database.Provider.ToString(),
                ["AuthServer__Database__ConnectionString"] = database.ConnectionString,
                ["ASPNETCORE_ENVIRONMENT"] = environmentName,
                ["DOTNET_ENVIRONMENT"] = environmentName,
            };
            foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            return await ChildProcess.RunAsync(AuthServerHost.StartInfo(args, environment, workingDirectory), TimeSpan.FromSeconds(120), standardInput);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
