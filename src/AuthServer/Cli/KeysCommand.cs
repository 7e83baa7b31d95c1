using System.CommandLine;
using System.Security.Cryptography;
using AuthServer.Data.Stores;
using AuthServer.Hosting;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Keys;

namespace AuthServer.Cli;

/// <summary>
/// `authserver keys list | rotate [--algorithm A] | revoke &lt;kid&gt; | rewrap (--new-key-file F | --generate)`: the
/// signing keys' timeline, a rotation now, the emergency revoke, and re-encryption under a new master key. Changes take
/// the same database lock as the nodes' scheduled rotation; running nodes pick them up within Caches:KeyRefreshInterval.
/// </summary>
internal static class KeysCommand
{
    /// <summary>
    /// Until every node has restarted with the new master key, a node still holding the old one would encrypt a key
    /// made by the schedule under the old key, which no restarted node can open: rewrap refuses when one is due this soon.
    /// </summary>
    private static readonly TimeSpan RewrapQuietPeriod = TimeSpan.FromDays(1);

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

        var newKeyFile = new Option<FileInfo>("--new-key-file") { Description = "The new master key: a file holding 32 bytes in base64 (as keys/master.key)." };
        var generate = new Option<bool>("--generate") { Description = "Make a new master key and write it to <KeysDirectory>/master.key.new (mode 0600)." };
        var rewrap = new Command("rewrap", "Re-encrypt every signing key's private part under a new master key, in one transaction.")
        {
            newKeyFile,
            generate,
        };
        rewrap.SetAction(async (parse, ct) => await RewrapAsync(parse.GetValue(newKeyFile), parse.GetValue(generate), ct));

        return new Command("keys", "Signing keys: list, rotate, revoke, rewrap.") { list, rotate, revoke, rewrap };
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
            Print(await context.Manager.RotateNowAsync(a, context.Protector!, ct, actor: CliActor));
        }

        Console.WriteLine("Running nodes sign with the new key(s) within Caches:KeyRefreshInterval. A key that was not published " +
            "before is fetched by validators on its unknown kid.");
        return 0;
    }

    /// <summary>The audit log's actor for a change made here, as `audit prune` records it.</summary>
    private static string CliActor => $"cli:{Environment.UserName}";

    private static async Task<int> RevokeAsync(string kid, CancellationToken ct)
    {
        await using var context = await KeysContext.OpenAsync(needMasterKey: true, ct);
        var changes = await context.Manager.RevokeAsync(kid, context.Protector!, ct, actor: CliActor);
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

    private static async Task<int> RewrapAsync(FileInfo? newKeyFile, bool generate, CancellationToken ct)
    {
        if ((newKeyFile is null) == !generate)
        {
            await Console.Error.WriteLineAsync("Give the new master key with --new-key-file <path>, or --generate one (not both).");
            return 2;
        }

        // The current master key as a node loads it, proven to open every key kept.
        await using var context = await KeysContext.OpenAsync(needMasterKey: true, ct);
        var now = TimeProvider.System.GetUtcNow();
        var keys = (await context.Store.LoadAsync(ct)).Where(k => k.State != SigningKeyState.Removed).ToList();
        if (keys.Count == 0)
        {
            await Console.Error.WriteLineAsync("There are no signing keys to re-encrypt: a new master key can simply replace the old one.");
            return 2;
        }

        var due = KeySchedule.Plan(keys, now + RewrapQuietPeriod, context.Options.KeySchedule())
            .Where(c => c.Kind == KeyChangeKind.Create).Select(c => c.Algorithm).Distinct().ToList();
        if (due.Count > 0)
        {
            await Console.Error.WriteLineAsync(
                $"The schedule makes a new {string.Join(" and ", due)} key within {RewrapQuietPeriod.TotalHours} hours. A node still " +
                "running with the current master key would encrypt it under that key, and no node restarted with the new one " +
                $"could open it. Rotate first (`authserver keys rotate{(due.Count == 1 ? " --algorithm " + due[0] : "")}`), then rewrap.");
            return 2;
        }

        var (newKey, newKeyPath, generated) = await NewMasterKeyAsync(newKeyFile, context.MasterKeys);
        if (newKey is null)
        {
            return 2;
        }

        if (CryptographicOperations.FixedTimeEquals(newKey, context.MasterKey!))
        {
            await Console.Error.WriteLineAsync($"{newKeyPath} holds the current master key: give a new one.");
            return 2;
        }

        var from = context.Protector!;
        var to = new MasterKeyProtector(newKey);
        IReadOnlyList<StoredSigningKey> rewrapped;
        try
        {
            rewrapped = await context.Store.RewrapAsync(
                key => Rewrap(key, from, to),
                key => new AuditEvent(now, "key.rewrapped", "success", Target: key.Kid,
                    Detail: $"alg={key.Algorithm} state={key.State.ToString().ToLowerInvariant()} reason=new master key"),
                ct);
        }
        catch (RewrapException e)
        {
            if (generated)
            {
                // It encrypts nothing: leave no key file an operator could mistake for the one in use.
                File.Delete(newKeyPath);
            }

            await Console.Error.WriteLineAsync(
                $"Signing key {e.Kid} cannot be decrypted with the current master key from {context.MasterKeys.Describe()} " +
                "(it changed after the check, or its row is damaged). Nothing was changed.");
            return 1;
        }
        catch (Exception) when (generated)
        {
            // Whether the commit happened is unknown here: the new key may be the only one that opens the signing keys now.
            await Console.Error.WriteLineAsync($"The rewrap failed; the new master key stays at {newKeyPath}. Run `authserver keys rewrap " +
                $"--new-key-file {newKeyPath}`: it finishes the rewrap if it was not committed, or says the current key opens no key if it was.");
            throw;
        }

        foreach (var key in rewrapped)
        {
            Console.WriteLine($"{key.Algorithm} {key.Kid} ({key.State.ToString().ToLowerInvariant()}): re-encrypted");
        }

        PrintRewrapSteps(rewrapped.Count, newKeyPath, context.MasterKeys, fromConfiguration: context.Options.MasterKey is { Length: > 0 });
        return 0;
    }

    /// <summary>The new key from --new-key-file, or a new one written to master.key.new; null (with the reason printed) when neither works.</summary>
    private static async Task<(byte[]? Key, string Path, bool Generated)> NewMasterKeyAsync(FileInfo? newKeyFile, MasterKeySource masterKeys)
    {
        if (newKeyFile is not null)
        {
            var path = newKeyFile.FullName;
            var key = File.Exists(path) ? MasterKeySource.ReadKeyFile(path) : null;
            if (key is null)
            {
                await Console.Error.WriteLineAsync(File.Exists(path)
                    ? $"{path} does not hold a 32-byte base64 master key (make one with `openssl rand -base64 32`, or use --generate)."
                    : $"{path} does not exist.");
            }
            else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                await Console.Error.WriteLineAsync($"Warning: {path} is readable by other users; keep the master key at mode 0600.");
            }

            return (key, path, false);
        }

        var generatedPath = Path.Combine(Path.GetDirectoryName(masterKeys.KeyFilePath)!, "master.key.new");
        if (File.Exists(generatedPath))
        {
            await Console.Error.WriteLineAsync(
                $"{generatedPath} already exists (from an earlier rewrap that did not finish?). Use it with --new-key-file, or remove it.");
            return (null, generatedPath, false);
        }

        var generated = RandomNumberGenerator.GetBytes(32);
        MasterKeySource.WriteKeyFile(generatedPath, generated);
        return (generated, generatedPath, true);
    }

    private static byte[] Rewrap(StoredSigningKey key, MasterKeyProtector from, MasterKeyProtector to)
    {
        byte[] pkcs8;
        try
        {
            pkcs8 = from.Unprotect(key.EncryptedPrivateKey, key.Kid);
        }
        catch (CryptographicException)
        {
            throw new RewrapException(key.Kid);
        }

        try
        {
            return to.Protect(pkcs8, key.Kid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static void PrintRewrapSteps(int count, string newKeyPath, MasterKeySource masterKeys, bool fromConfiguration)
    {
        var replace = fromConfiguration
            ? $"set AuthServer:MasterKey to the content of {newKeyPath} (then delete that file)"
            : $"replace {masterKeys.KeyFilePath} with {newKeyPath} (keep it at mode 0600)";
        Console.WriteLine(
            $"""

            {count} signing key(s) are now encrypted under the new master key ({newKeyPath}); the current one opens none of them.
            Now, on every node: {replace}, and restart it. Restart them close together:
              - A running node keeps signing with the keys it holds, but cannot load key changes until it restarts (it logs
                "Rotating or reloading signing keys failed" every Caches:KeyRefreshInterval). Make no key changes until
                every node runs with the new key.
              - A node started with the old key refuses to start ("The master key is wrong").
              - Refresh tokens stay valid. But the key that derives a refresh token's successor comes from the master key: while
                nodes run with different master keys, two concurrent refreshes of one token that reach nodes with different
                keys count as reuse, and that token family is revoked (its user signs in again).
              - Sign-ins: the Data Protection keys (session cookies, antiforgery tokens) are sealed under a key derived from the
                master key and are not re-encrypted. Nodes on the new key log that they cannot open the old ones and make a
                new one; users sign in once more.
            Keep the old master key until every node has restarted: database backups taken before now still need it.
            """);
    }

    /// <summary>A key the current master key does not open, found inside the rewrap transaction (which then rolls back).</summary>
    private sealed class RewrapException(string kid) : Exception($"Signing key {kid} cannot be decrypted with the current master key.")
    {
        public string Kid { get; } = kid;
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
        private KeysContext(
            Configuration.AuthServerOptions options, Data.AuthServerDatabase database, MasterKeySource masterKeys, byte[]? masterKey)
        {
            Options = options;
            Database = database;
            MasterKeys = masterKeys;
            MasterKey = masterKey;
            Protector = masterKey is null ? null : new MasterKeyProtector(masterKey);
            Store = new SigningKeyStore(database);
            Manager = new SigningKeyManager(Store, options.KeySchedule(), TimeProvider.System);
        }

        public Configuration.AuthServerOptions Options { get; }

        public Data.AuthServerDatabase Database { get; }

        public MasterKeySource MasterKeys { get; }

        public byte[]? MasterKey { get; }

        public MasterKeyProtector? Protector { get; }

        public SigningKeyStore Store { get; }

        public SigningKeyManager Manager { get; }

        public static async Task<KeysContext> OpenAsync(bool needMasterKey, CancellationToken ct)
        {
            var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
            var database = await CliDatabase.OpenAsync(options, options.MigrateOnStart, ct);

            var masterKeys = new MasterKeySource(options);
            byte[]? key = null;
            if (needMasterKey)
            {
                key = masterKeys.TryLoad() ?? throw new StartupException(
                    $"No master key at {masterKeys.KeyFilePath} (nor AuthServer:MasterKey): key changes need the master key the server uses.");
                var protector = new MasterKeyProtector(key);

                // A wrong master key would make keys no node can open: prove it opens the keys already there.
                try
                {
                    SigningKeyFactory.OpenAll(await new SigningKeyStore(database).LoadAsync(ct), new MasterKeyProtector(key));
                }
                catch (MasterKeyMismatchException e)
                {
                    throw new StartupException(
                        $"The master key from {masterKeys.Describe()} does not open signing key {e.Kid}: use the master key the server uses.");
                }
            }

            return new KeysContext(options, database, masterKeys, key);
        }

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
