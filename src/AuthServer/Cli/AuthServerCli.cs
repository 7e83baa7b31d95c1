using System.CommandLine;
using AuthServer.Data;
using AuthServer.Data.Import;
using AuthServer.Data.Migrations;
using AuthServer.Hosting;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Grants;

namespace AuthServer.Cli;

/// <summary>`authserver` with no command serves; `migrate`, `import` and `migrations script` are admin commands.</summary>
public static class AuthServerCli
{
    private static readonly string[] Commands = ["migrate", "import", "migrations", "users", "explain", "keys", "audit", "--help", "-h", "-?"];

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            if (args.Length > 0 && Commands.Contains(args[0]))
            {
                return await BuildCommands().Parse(args).InvokeAsync();
            }

            var app = await AuthServerApp.CreateAsync(args);
            await app.RunAsync();
            return 0;
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"AuthServer cannot start: {e.Message}");
            return 1;
        }
        catch (Exception e) when (DatabaseOutage.IsOutage(e))
        {
            // At start (migrations, keys) the database must be there; once running, an outage is survived (503s).
            var cause = e;
            while (cause.InnerException is not null)
            {
                cause = cause.InnerException;
            }

            await Console.Error.WriteLineAsync(
                $"AuthServer cannot start: the database is unavailable ({cause.GetType().Name}: {cause.Message}). " +
                "Check that it runs and that AuthServer:Database:ConnectionString points at it; a supervisor may simply start AuthServer again.");
            return 1;
        }
    }

    private static RootCommand BuildCommands()
    {
        var root = new RootCommand("AuthServer: OAuth 2.0 / OpenID Connect authorization server. Run with no command to serve.");

        var migrate = new Command("migrate", "Apply pending database migrations (safe to run from several nodes at once).");
        migrate.SetAction(async (_, ct) => await MigrateAsync(ct));
        root.Subcommands.Add(migrate);

        var file = new Argument<FileInfo>("file") { Description = "The JSON file of scopes, APIs and clients." };
        var import = new Command("import", "Create or update scopes, APIs and clients from a file (idempotent).") { file };
        import.SetAction(async (parse, ct) => await ImportAsync(parse.GetValue(file)!, ct));
        root.Subcommands.Add(import);

        var provider = new Option<string>("--provider") { Description = "sqlite or postgresql", DefaultValueFactory = _ => "sqlite" };
        var script = new Command("script", "Print the SQL that creates the EF model's schema (the base for a new migration).") { provider };
        script.SetAction(parse =>
        {
            Console.Out.Write(SchemaScript.Generate(AuthServerDatabase.ParseProvider(parse.GetValue(provider))));
            return 0;
        });
        root.Subcommands.Add(new Command("migrations", "Tools for writing migrations.") { script });
        root.Subcommands.Add(UsersCommand.Build());
        root.Subcommands.Add(ExplainCommand.Build());
        root.Subcommands.Add(KeysCommand.Build());
        root.Subcommands.Add(AuditCommand.Build());
        return root;
    }

    private static async Task<int> MigrateAsync(CancellationToken ct)
    {
        var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
        await using var database = AuthServerApp.CreateDatabase(options);
        CliDatabase.EnsureSqliteFolder(database);
        var report = await new MigrationRunner(database, TimeProvider.System).MigrateAsync(ct);
        Console.WriteLine(report.Applied.Count == 0
            ? $"The database is up to date (version {report.CurrentVersion})."
            : $"Applied {string.Join(", ", report.Applied)}; the database is at version {report.CurrentVersion}.");
        return 0;
    }

    private static async Task<int> ImportAsync(FileInfo file, CancellationToken ct)
    {
        var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
        await using var database = await CliDatabase.OpenAsync(options, options.MigrateOnStart, ct);

        string json;
        try
        {
            json = await File.ReadAllTextAsync(file.FullName, ct);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"Cannot read {file.FullName}: {e.Message}");
            return 2;
        }

        // Test users in a file are for development machines only.
        var development = string.Equals(CliConfiguration.EnvironmentName, "Development", StringComparison.OrdinalIgnoreCase);
        var importer = new ConfigurationImporter(database, TimeProvider.System,
            [ClientCredentialsGrant.Name, AuthorizationCodeGrant.Name, RefreshTokenGrant.Name, TokenExchangeGrant.Name],
            new ImportUsersPolicy(development, options.Users.MinimumPasswordLength));
        var result = await importer.ImportAsync(json, ct);
        if (result.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"{file.Name}: nothing was imported, because:");
            foreach (var error in result.Errors)
            {
                await Console.Error.WriteLineAsync($"  {error.Path}: {error.Message}");
            }

            return 2;
        }

        foreach (var line in result.Changes)
        {
            Console.WriteLine(line);
        }

        foreach (var (clientId, secret) in result.GeneratedSecrets)
        {
            Console.WriteLine($"Generated secret for client '{clientId}' (shown once; store it now): {secret}");
        }

        return 0;
    }
}

internal static class CliDatabase
{
    /// <summary>The database a command works on, as a node would open it: its SQLite folder made, migrated if asked.</summary>
    public static async Task<AuthServerDatabase> OpenAsync(Configuration.AuthServerOptions options, bool migrate, CancellationToken ct)
    {
        var database = AuthServerApp.CreateDatabase(options);
        EnsureSqliteFolder(database);
        if (migrate)
        {
            await new MigrationRunner(database, TimeProvider.System).MigrateAsync(ct);

            // As at a node's start: an import may then name the admin API's scope before any node has run.
            await Admin.AdminApiResource.EnsureAsync(database, TimeProvider.System, ct);
        }

        return database;
    }

    /// <summary>SQLite creates the file but not its folder.</summary>
    public static void EnsureSqliteFolder(AuthServerDatabase database)
    {
        if (database.Provider == DatabaseProvider.Sqlite
            && StartupInitializer.SqliteFilePath(database.ConnectionString) is { } path
            && Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }
}

/// <summary>The same configuration sources the server reads: appsettings.json, its environment file, environment variables.</summary>
internal static class CliConfiguration
{
    public static string EnvironmentName =>
        Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";

    public static IConfiguration Build()
    {
        var environment = EnvironmentName;
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
    }
}
