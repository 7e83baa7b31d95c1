using AuthServer.Data.Entities;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Keys;
using AuthServer.Testing;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Tests.Support;

/// <summary>`authserver keys ...` run as a process against one test database, with a keys folder the test controls.</summary>
public sealed class KeysCli : IDisposable
{
    public static readonly byte[] MasterKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    public static readonly byte[] OtherMasterKey = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    private readonly TestDatabase _database;

    private KeysCli(TestDatabase database, string keysDirectory)
    {
        _database = database;
        KeysDirectory = keysDirectory;
    }

    public TestDatabase Database => _database;

    public string KeysDirectory { get; }

    public string MasterKeyPath => Path.Combine(KeysDirectory, "master.key");

    /// <summary>Where `keys rewrap --generate` writes the new master key.</summary>
    public string NewMasterKeyPath => Path.Combine(KeysDirectory, "master.key.new");

    /// <summary>A new database and a keys folder whose master.key holds <paramref name="masterKey"/> (default <see cref="MasterKey"/>).</summary>
    public static async Task<KeysCli> CreateAsync(DatabaseProvider provider, PostgresCluster cluster, byte[]? masterKey = null)
    {
        var database = await TestDatabase.CreateAsync(provider, cluster);
        var cli = new KeysCli(database, Directory.CreateTempSubdirectory("authserver-keys-").FullName);
        WriteKeyFile(cli.MasterKeyPath, masterKey ?? MasterKey);
        return cli;
    }

    /// <summary>As an operator would: one base64 line, mode 0600.</summary>
    public static void WriteKeyFile(string path, byte[] key)
    {
        File.Delete(path);
        File.WriteAllText(path, Convert.ToBase64String(key) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static byte[] ReadKeyFile(string path) => Convert.FromBase64String(File.ReadAllText(path).Trim());

    public Task<ChildProcessResult> RunAsync(params string[] args) =>
        CliRunner.RunAsync(_database, args, "", extraEnvironment: new Dictionary<string, string>
        {
            ["AuthServer__KeysDirectory"] = KeysDirectory,
        });

    public async Task<ChildProcessResult> RunCheckedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    public async Task<IReadOnlyList<StoredSigningKey>> LoadKeysAsync()
    {
        await using var handle = _database.Open();
        return await new SigningKeyStore(handle).LoadAsync(CancellationToken.None);
    }

    /// <summary>Every key row as text (blobs included), to prove that nothing changed.</summary>
    public async Task<IReadOnlyList<string>> SnapshotAsync() =>
        (await LoadKeysAsync()).Select(k =>
            $"{k.Kid} {k.Algorithm} {k.State} {k.CreatedAt:O} {k.ActivatedAt:O} {k.RetiredAt:O} {Convert.ToBase64String(k.EncryptedPrivateKey)}")
        .ToList();

    public async Task<IReadOnlyList<AuditEventEntity>> AuditAsync()
    {
        await using var handle = _database.Open();
        await using var db = handle.CreateContext();
        return await db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    public async Task ExecuteAsync(Func<AuthServerDbContext, Task> change)
    {
        await using var handle = _database.Open();
        await using var db = handle.CreateContext();
        await change(db);
        await db.SaveChangesAsync();
    }

    /// <summary>Keys made by the store (as a node would make them) at a fixed time.</summary>
    public async Task SeedActiveKeysAsync(DateTimeOffset at)
    {
        await using var handle = _database.Open();
        await Tokens.MigrateAsync(handle);
        var protector = new MasterKeyProtector(MasterKey);
        await new SigningKeyStore(handle).ChangeAsync(
            _ => SigningAlgorithms.All.Select(a => new KeyChange(KeyChangeKind.Create, a, null, SigningKeyState.Active)).ToList(),
            (algorithm, state) => SigningKeyFactory.Create(algorithm, state, at, protector),
            change => new AuditEvent(at, "key.create", "success", Target: change.Kid),
            at,
            CancellationToken.None);
    }

    public static bool Opens(StoredSigningKey key, byte[] masterKey)
    {
        try
        {
            SigningKeyFactory.Open(key, new MasterKeyProtector(masterKey));
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(KeysDirectory, recursive: true);
    }
}
