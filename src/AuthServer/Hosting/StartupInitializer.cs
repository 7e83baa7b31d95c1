using AuthServer.Protocol.Tokens;
using AuthServer.Configuration;
using AuthServer.Data;
using AuthServer.Data.Migrations;
using AuthServer.Protocol.Keys;

namespace AuthServer.Hosting;

/// <summary>Brings a node to a serving state: schema, master key, signing keys. Runs before the server listens.</summary>
public sealed class StartupInitializer(
    AuthServerOptions options,
    AuthServerDatabase database,
    MasterKeySource masterKeys,
    ISigningKeyStore keyStore,
    SigningKeyManager keyManager,
    SigningKeyRingSource keyRing,
    RefreshTokens refreshTokens,
    TimeProvider time,
    ILogger<StartupInitializer> log)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        EnsureSqliteFolder();
        if (options.MigrateOnStart)
        {
            var report = await new MigrationRunner(database, time).MigrateAsync(cancellationToken);
            foreach (var applied in report.Applied)
            {
                log.LogInformation("Applied migration {Migration}", applied);
            }
        }

        await Admin.AdminApiResource.EnsureAsync(database, time, cancellationToken);
        var stored = await keyStore.LoadAsync(cancellationToken);
        var masterKey = masterKeys.TryLoad();
        if (masterKey is null)
        {
            if (stored.Count > 0)
            {
                throw new StartupException(
                    $"The database holds {stored.Count} signing key(s) but no master key was found at {masterKeys.KeyFilePath}. " +
                    "Restore that file (or set AuthServer:MasterKey); AuthServer never makes new keys over old ones.");
            }

            masterKey = masterKeys.Create();
            log.LogInformation("Created a new master key at {Path} (mode 0600). Back it up: without it the signing keys cannot be opened.",
                masterKeys.KeyFilePath);
        }

        var protector = new MasterKeyProtector(masterKey);
        keyRing.UseMasterKey(protector);
        refreshTokens.UseMasterKey(protector);
        // The first start makes the first keys; a later one catches up with the schedule. Under the shared key lock,
        // so nodes starting together on an empty database make one key per algorithm, not one each.
        // Opening the stored keys first proves the master key is the right one before anything could be made with it.
        await keyRing.ReloadAsync(cancellationToken);
        try
        {
            foreach (var change in await keyManager.ApplyScheduleIfDueAsync(protector, cancellationToken))
            {
                log.LogInformation("Signing key {Kid} ({Algorithm}): {Change}", change.Kid, change.Algorithm, change.Kind);
            }
        }
        catch (MasterKeyMismatchException e)
        {
            throw new StartupException(e.Message);
        }

        var ring = await keyRing.ReloadAsync(cancellationToken);
        LogSummary(ring);
    }

    private void EnsureSqliteFolder()
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var path = SqliteFilePath(database.ConnectionString);
        if (path is not null && Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }

    internal static string? SqliteFilePath(string connectionString)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        return source is "" or ":memory:" || source.StartsWith("file:", StringComparison.Ordinal) ? null : Path.GetFullPath(source);
    }

    private void LogSummary(SigningKeyRing ring)
    {
        var where = database.Provider == DatabaseProvider.Sqlite
            ? $"SQLite at {SqliteFilePath(database.ConnectionString) ?? database.ConnectionString}"
            : "PostgreSQL";
        var keys = string.Join(", ", SigningAlgorithms.All.Select(a => $"{a} {ring.ActiveFor(a)?.Kid}"));
        log.LogInformation(
            "AuthServer is ready.\n  Issuer:       {Issuer}\n  Database:     {Database}\n  Master key:   {MasterKey}\n" +
            "  Signing keys: {Keys}\n  Discovery:    {Issuer}/.well-known/openid-configuration\n" +
            "  Next: register clients with `dotnet run --project src/AuthServer -- import examples/authserver.json`, " +
            "then request a token at {Issuer}/connect/token (see README).",
            options.Issuer, where, masterKeys.Describe(), keys, options.Issuer, options.Issuer);
    }
}
