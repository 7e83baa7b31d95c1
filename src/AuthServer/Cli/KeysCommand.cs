using System.CommandLine;
using AuthServer.Data.Migrations;
using AuthServer.Data.Stores;
using AuthServer.Hosting;
using AuthServer.Protocol.Keys;

namespace AuthServer.Cli;

/// <summary>
/// `authserver keys list | rotate [--algorithm A] | revoke &lt;kid&gt;`: the signing keys' timeline, a rotation now, and
/// the emergency revoke. Changes take the same database lock as the nodes' scheduled rotation; running nodes pick
/// them up within Caches:KeyRefreshInterval.
/// </summary>
internal static class KeysCommand
{
    public static Command Build()
    {
        var list = new Command("list", "Show every signing key: algorithm, state and its dates.");
        list.SetAction(async (_, ct) => await ListAsync(ct));

        var algorithm = new Option<string>("--algorithm") { Description = "ES256, RS256, or all (default).", DefaultValueFactory = _ => "all" };
        var rotate = new Command("rotate", "Make the next key sign now: the published pending key if there is one, else a new key. The active key retires (still published).")
        {
            algorithm,
        };
        rotate.SetAction(async (parse, ct) => await RotateAsync(parse.GetValue(algorithm)!, ct));

        var kid = new Argument<string>("kid") { Description = "The key id (kid) to revoke." };
        var revoke = new Command("revoke", "Emergency: the key leaves JWKS, tokens it signed stop validating, and a new key signs at once.") { kid };
        revoke.SetAction(async (parse, ct) => await RevokeAsync(parse.GetValue(kid)!, ct));

        return new Command("keys", "Signing keys: list, rotate, revoke.") { list, rotate, revoke };
    }

    private static async Task<int> ListAsync(CancellationToken ct)
    {
        await using var context = await KeysContext.OpenAsync(needMasterKey: false, ct);
        var keys = await context.Store.LoadAsync(ct);
        Console.WriteLine($"{"kid",-44} {"alg",-6} {"state",-8} {"created",-20} {"activated",-20} {"retired/removed",-20}");
        foreach (var k in keys.OrderBy(k => k.Algorithm, StringComparer.Ordinal).ThenBy(k => k.CreatedAt))
        {
            Console.WriteLine($"{k.Kid,-44} {k.Algorithm,-6} {k.State.ToString().ToLowerInvariant(),-8} {Date(k.CreatedAt),-20} {Date(k.ActivatedAt),-20} {Date(k.RetiredAt),-20}");
        }

        var schedule = context.Options.KeySchedule();
        Console.WriteLine();
        Console.WriteLine($"Schedule: published {schedule.PublishAhead} ahead, signs for {schedule.ActiveLifetime}, " +
            $"kept {schedule.RetainAfterRetirement} after retiring; JWKS max-age {schedule.JwksMaxAge}.");
        return 0;
    }

    private static async Task<int> RotateAsync(string algorithm, CancellationToken ct)
    {
        string[] algorithms = algorithm.Equals("all", StringComparison.OrdinalIgnoreCase) ? [.. SigningAlgorithms.All]
            : SigningAlgorithms.IsSupported(algorithm) ? [algorithm]
            : [];
        if (algorithms.Length == 0)
        {
            await Console.Error.WriteLineAsync($"Unknown algorithm '{algorithm}': use ES256, RS256 or all.");
            return 2;
        }

        await using var context = await KeysContext.OpenAsync(needMasterKey: true, ct);
        foreach (var a in algorithms)
        {
            Print(await context.Manager.RotateNowAsync(a, context.Protector!, ct));
        }

        Console.WriteLine("Running nodes sign with the new key(s) within Caches:KeyRefreshInterval. A key that was not published " +
            "before is fetched by validators on its unknown kid.");
        return 0;
    }

    private static async Task<int> RevokeAsync(string kid, CancellationToken ct)
    {
        await using var context = await KeysContext.OpenAsync(needMasterKey: true, ct);
        var changes = await context.Manager.RevokeAsync(kid, context.Protector!, ct);
        if (changes.Count == 0)
        {
            await Console.Error.WriteLineAsync($"There is no published key '{kid}' (see `authserver keys list`).");
            return 2;
        }

        Print(changes);
        Console.WriteLine(
            $"Key {kid} is revoked. Every AuthServer node drops it from JWKS and stops accepting tokens it signed within " +
            "Caches:KeyRefreshInterval; those tokens now introspect as inactive.\n" +
            "APIs that validate JWTs themselves keep a cached JWKS: make each one fetch the JWKS again now (restart it, or " +
            "clear its key cache), or it accepts tokens signed with the revoked key until its cache expires. Clients then " +
            "need new tokens.");
        return 0;
    }

    private static void Print(IReadOnlyList<KeyChange> changes)
    {
        foreach (var c in changes)
        {
            Console.WriteLine($"{c.Algorithm} {c.Kid}: {Describe(c)}");
        }
    }

    private static string Describe(KeyChange c) => c.Kind switch
    {
        KeyChangeKind.Create => c.CreateAs == SigningKeyState.Active ? "created, signs now" : "created, published",
        KeyChangeKind.Activate => "signs now",
        KeyChangeKind.Retire => "retired (still published, no longer signs)",
        _ => "removed from JWKS",
    };

    private static string Date(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") ?? "-";

    /// <summary>The database, the options and (when a change needs it) the master key, as a node would load them.</summary>
    private sealed class KeysContext : IAsyncDisposable
    {
        private KeysContext(Configuration.AuthServerOptions options, Data.AuthServerDatabase database, MasterKeyProtector? protector)
        {
            Options = options;
            Database = database;
            Protector = protector;
            Store = new SigningKeyStore(database);
            Manager = new SigningKeyManager(Store, options.KeySchedule(), TimeProvider.System);
        }

        public Configuration.AuthServerOptions Options { get; }

        public Data.AuthServerDatabase Database { get; }

        public MasterKeyProtector? Protector { get; }

        public SigningKeyStore Store { get; }

        public SigningKeyManager Manager { get; }

        public static async Task<KeysContext> OpenAsync(bool needMasterKey, CancellationToken ct)
        {
            var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
            var database = AuthServerApp.CreateDatabase(options);
            CliDatabase.EnsureSqliteFolder(database);
            if (options.MigrateOnStart)
            {
                await new MigrationRunner(database, TimeProvider.System).MigrateAsync(ct);
            }

            MasterKeyProtector? protector = null;
            if (needMasterKey)
            {
                var masterKeys = new MasterKeySource(options);
                var key = masterKeys.TryLoad() ?? throw new StartupException(
                    $"No master key at {masterKeys.KeyFilePath} (nor AuthServer:MasterKey): key changes need the master key the server uses.");
                protector = new MasterKeyProtector(key);

                // A wrong master key would make keys no node can open: prove it opens the keys already there.
                foreach (var stored in (await new SigningKeyStore(database).LoadAsync(ct)).Where(k => k.State != SigningKeyState.Removed))
                {
                    try
                    {
                        SigningKeyFactory.Open(stored, protector);
                    }
                    catch (System.Security.Cryptography.CryptographicException)
                    {
                        throw new StartupException(
                            $"The master key from {masterKeys.Describe()} does not open signing key {stored.Kid}: use the master key the server uses.");
                    }
                }
            }

            return new KeysContext(options, database, protector);
        }

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
