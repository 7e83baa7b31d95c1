using AuthServer.Data.Tests.Support;
using AuthServer.Protocol.Keys;
using AuthServer.Testing;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Tests;

/// <summary>`authserver keys rewrap`: every signing key re-encrypted under a new master key, or nothing changed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class KeysRewrapCommandTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRewrap_Generate_EveryKeptKeyOpensWithTheNewKeyOnly(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await WithEveryStateAsync(cli);
        var before = await cli.LoadKeysAsync();

        var result = await cli.RunCheckedAsync("keys", "rewrap", "--generate");

        var newKey = KeysCli.ReadKeyFile(cli.NewMasterKeyPath);
        Assert.Equal(32, newKey.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.NewMasterKeyPath));
        }

        Assert.Equal(KeysCli.MasterKey, KeysCli.ReadKeyFile(cli.MasterKeyPath));
        var after = await cli.LoadKeysAsync();
        Assert.Equal(before.Select(k => k with { EncryptedPrivateKey = [] }), after.Select(k => k with { EncryptedPrivateKey = [] }));
        var kept = after.Where(k => k.State != SigningKeyState.Removed).ToList();
        Assert.Equal(3, kept.Count);
        Assert.All(kept, k => Assert.True(KeysCli.Opens(k, newKey), $"{k.Kid} does not open with the new key."));
        Assert.All(kept, k => Assert.False(KeysCli.Opens(k, KeysCli.MasterKey), $"{k.Kid} still opens with the old key."));
        Assert.Empty(after.Single(k => k.State == SigningKeyState.Removed).EncryptedPrivateKey);

        var rewrapped = (await cli.AuditAsync()).Where(e => e.Action == "key.rewrapped").ToList();
        Assert.Equal(kept.Select(k => k.Kid).Order(StringComparer.Ordinal), rewrapped.Select(e => e.Target!).Order(StringComparer.Ordinal));
        var secrets = new[] { Convert.ToBase64String(newKey), Convert.ToBase64String(KeysCli.MasterKey) };
        Assert.All(rewrapped, e => Assert.DoesNotContain(secrets, s => (e.Detail ?? "").Contains(s, StringComparison.Ordinal)));
        Assert.DoesNotContain(Convert.ToBase64String(newKey), result.StandardOutput + result.StandardError, StringComparison.Ordinal);

        Assert.Contains($"replace {cli.MasterKeyPath} with {cli.NewMasterKeyPath}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("restart it", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("refuses to start (\"The master key is wrong\")", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("that token family is revoked", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRewrap_ThenKeyChangesWithTheOldKey_AreRefusedUntilTheNewKeyIsInPlace(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        await cli.RunCheckedAsync("keys", "rewrap", "--generate");
        var rewrapped = await cli.SnapshotAsync();
        var kid = (await cli.LoadKeysAsync()).First().Kid;

        var rotate = await cli.RunAsync("keys", "rotate");
        var revoke = await cli.RunAsync("keys", "revoke", kid);
        var rewrapAgain = await cli.RunAsync("keys", "rewrap", "--new-key-file", cli.NewMasterKeyPath);
        var list = await cli.RunAsync("keys", "list");

        foreach (var refused in new[] { rotate, revoke, rewrapAgain })
        {
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("does not open signing key", refused.StandardError, StringComparison.Ordinal);
        }

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(rewrapped, await cli.SnapshotAsync());

        File.Move(cli.NewMasterKeyPath, cli.MasterKeyPath, overwrite: true);
        await cli.RunCheckedAsync("keys", "rotate", "--algorithm", "ES256");
        var newKey = KeysCli.ReadKeyFile(cli.MasterKeyPath);
        Assert.All((await cli.LoadKeysAsync()).Where(k => k.State != SigningKeyState.Removed),
            k => Assert.True(KeysCli.Opens(k, newKey), k.Kid));
    }

    [Fact]
    public async Task KeysRewrap_NewKeyFile_ReencryptsUnderThatKeyAndWritesNoFile()
    {
        using var cli = await KeysCli.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        var file = Path.Combine(cli.KeysDirectory, "next.key");
        KeysCli.WriteKeyFile(file, KeysCli.OtherMasterKey);

        var result = await cli.RunCheckedAsync("keys", "rewrap", "--new-key-file", file);

        Assert.All(await cli.LoadKeysAsync(), k => Assert.True(KeysCli.Opens(k, KeysCli.OtherMasterKey), k.Kid));
        Assert.False(File.Exists(cli.NewMasterKeyPath));
        Assert.Contains($"replace {cli.MasterKeyPath} with {file}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRewrap_OneKeyRowCorrupted_ChangesNothingAndLeavesNoNewKeyFile(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await WithEveryStateAsync(cli);
        var victim = (await cli.LoadKeysAsync()).Last(k => k.State != SigningKeyState.Removed).Kid;
        await cli.ExecuteAsync(async db =>
        {
            var row = await db.SigningKeys.SingleAsync(k => k.Kid == victim);
            var blob = row.EncryptedPrivateKey.ToArray();
            blob[^1] ^= 0x01;
            row.EncryptedPrivateKey = blob;
        });
        var before = await cli.SnapshotAsync();
        var auditBefore = (await cli.AuditAsync()).Count;

        var result = await cli.RunAsync("keys", "rewrap", "--generate");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains($"does not open signing key {victim}", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, await cli.SnapshotAsync());
        Assert.Equal(auditBefore, (await cli.AuditAsync()).Count);
        Assert.False(File.Exists(cli.NewMasterKeyPath));
    }

    [Fact]
    public async Task KeysRewrap_Refusals_ChangeNothing()
    {
        using var cli = await KeysCli.CreateAsync(DatabaseProvider.Sqlite, cluster);
        var noKeys = await cli.RunAsync("keys", "rewrap", "--generate");
        await cli.RunCheckedAsync("keys", "rotate");
        var before = await cli.SnapshotAsync();
        File.WriteAllText(cli.NewMasterKeyPath, "left over\n");
        var sameKeyFile = Path.Combine(cli.KeysDirectory, "same.key");
        KeysCli.WriteKeyFile(sameKeyFile, KeysCli.MasterKey);

        var neither = await cli.RunAsync("keys", "rewrap");
        var both = await cli.RunAsync("keys", "rewrap", "--generate", "--new-key-file", sameKeyFile);
        var existing = await cli.RunAsync("keys", "rewrap", "--generate");
        var notAKey = await cli.RunAsync("keys", "rewrap", "--new-key-file", cli.NewMasterKeyPath);
        var sameKey = await cli.RunAsync("keys", "rewrap", "--new-key-file", sameKeyFile);

        Assert.Contains("There are no signing keys to re-encrypt", noKeys.StandardError, StringComparison.Ordinal);
        Assert.Contains("--new-key-file <path>, or --generate one (not both)", neither.StandardError, StringComparison.Ordinal);
        Assert.Contains("--new-key-file <path>, or --generate one (not both)", both.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{cli.NewMasterKeyPath} already exists", existing.StandardError, StringComparison.Ordinal);
        Assert.Contains("does not hold a 32-byte base64 master key", notAKey.StandardError, StringComparison.Ordinal);
        Assert.Contains("holds the current master key", sameKey.StandardError, StringComparison.Ordinal);
        Assert.All(new[] { noKeys, neither, both, existing, notAKey, sameKey }, r => Assert.True(r.ExitCode == 2, r.ToString()));
        Assert.Equal("left over\n", File.ReadAllText(cli.NewMasterKeyPath));
        Assert.Equal(before, await cli.SnapshotAsync());
        Assert.DoesNotContain(await cli.AuditAsync(), e => e.Action == "key.rewrapped");
    }

    [Fact]
    public async Task KeysRewrap_ScheduleMakesAKeyWithinADay_IsRefusedUntilRotated()
    {
        // Keys made long ago: the schedule is due, so a node still on the old master key would make a key under it.
        using var cli = await KeysCli.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await cli.SeedActiveKeysAsync(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var before = await cli.SnapshotAsync();

        var refused = await cli.RunAsync("keys", "rewrap", "--generate");

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("The schedule makes a new ES256 and RS256 key within 24 hours", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("Rotate first (`authserver keys rotate`)", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, await cli.SnapshotAsync());
        Assert.False(File.Exists(cli.NewMasterKeyPath));

        await cli.RunCheckedAsync("keys", "rotate");
        await cli.RunCheckedAsync("keys", "rewrap", "--generate");
    }

    /// <summary>ES256: one retired and one active key; RS256: one removed (revoked) and one active key.</summary>
    private static async Task WithEveryStateAsync(KeysCli cli)
    {
        await cli.RunCheckedAsync("keys", "rotate");
        await cli.RunCheckedAsync("keys", "rotate", "--algorithm", "ES256");
        var rs = (await cli.LoadKeysAsync()).Single(k => k.Algorithm == SigningAlgorithms.RS256);
        await cli.RunCheckedAsync("keys", "revoke", rs.Kid);
        var states = (await cli.LoadKeysAsync()).Select(k => $"{k.Algorithm} {k.State}").Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "ES256 Active", "ES256 Retired", "RS256 Active", "RS256 Removed" }, states);
    }
}
