using AuthServer.Data.Tests.Support;
using AuthServer.Protocol.Keys;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

/// <summary>`authserver keys list | rotate | revoke`, run as a process against a new database of each provider.</summary>
[Collection(PostgresCollection.Name)]
public sealed class KeysCommandTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysList_FreshDatabaseThenFirstRotate_ShowsNoKeysThenOneActiveKeyPerAlgorithm(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);

        var empty = await cli.RunCheckedAsync("keys", "list");
        var rotate = await cli.RunCheckedAsync("keys", "rotate");
        var list = await cli.RunCheckedAsync("keys", "list");

        Assert.DoesNotContain("active", empty.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Schedule: published 7.00:00:00 ahead, signs for 90.00:00:00", empty.StandardOutput, StringComparison.Ordinal);
        var keys = await cli.LoadKeysAsync();
        Assert.Equal(new[] { "ES256 Active", "RS256 Active" }, keys.Select(k => $"{k.Algorithm} {k.State}").Order(StringComparer.Ordinal));
        foreach (var key in keys)
        {
            Assert.Contains($"{key.Algorithm} {key.Kid}: created, signs now", rotate.StandardOutput, StringComparison.Ordinal);
            var line = Assert.Single(list.StandardOutput.Split('\n'), l => l.StartsWith(key.Kid, StringComparison.Ordinal));
            Assert.Equal(new[] { key.Kid, key.Algorithm, "active" }, line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);
            Assert.True(KeysCli.Opens(key, KeysCli.MasterKey));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRotate_ES256_RetiresTheActiveES256KeyAndANewOneSigns_RS256Untouched(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        var before = await cli.LoadKeysAsync();
        var oldEs = before.Single(k => k.Algorithm == SigningAlgorithms.ES256);
        var rs = before.Single(k => k.Algorithm == SigningAlgorithms.RS256);

        var result = await cli.RunCheckedAsync("keys", "rotate", "--algorithm", "ES256");

        var after = await cli.LoadKeysAsync();
        Assert.Equal(3, after.Count);
        var retired = after.Single(k => k.Kid == oldEs.Kid);
        Assert.Equal(SigningKeyState.Retired, retired.State);
        Assert.NotNull(retired.RetiredAt);
        Assert.True(KeysCli.Opens(retired, KeysCli.MasterKey), "A retired key is still published, so it is kept whole.");
        var newEs = after.Single(k => k.Algorithm == SigningAlgorithms.ES256 && k.State == SigningKeyState.Active);
        Assert.NotEqual(oldEs.Kid, newEs.Kid);
        var rsAfter = after.Single(k => k.Algorithm == SigningAlgorithms.RS256);
        Assert.Equal(rs with { EncryptedPrivateKey = [] }, rsAfter with { EncryptedPrivateKey = [] });
        Assert.Equal(rs.EncryptedPrivateKey, rsAfter.EncryptedPrivateKey);
        Assert.Contains($"ES256 {newEs.Kid}: created, signs now", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"ES256 {oldEs.Kid}: retired", result.StandardOutput, StringComparison.Ordinal);

        var audit = await cli.AuditAsync();
        Assert.Contains(audit, e => e.Action == "key.create" && e.Target == newEs.Kid && e.Detail!.Contains("reason=manual rotation", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "key.retire" && e.Target == oldEs.Kid && e.Outcome == "success");
        Assert.DoesNotContain(audit, e => e.Target == rs.Kid && e.Action != "key.create");

        // Whoever ran the command is the actor of what it changed.
        var rotation = audit.Where(e => e.Detail!.Contains("manual rotation", StringComparison.Ordinal)).ToList();
        Assert.Contains(rotation, e => e.Target == newEs.Kid);
        Assert.All(rotation, e => Assert.Equal($"cli:{Environment.UserName}", e.Actor));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRevoke_ActiveKey_IsRemovedWithoutItsPrivatePartAndANewKeySigns(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        var revoked = (await cli.LoadKeysAsync()).Single(k => k.Algorithm == SigningAlgorithms.ES256);

        var result = await cli.RunCheckedAsync("keys", "revoke", revoked.Kid);

        var after = await cli.LoadKeysAsync();
        var removed = after.Single(k => k.Kid == revoked.Kid);
        Assert.Equal(SigningKeyState.Removed, removed.State);
        Assert.Empty(removed.EncryptedPrivateKey);
        Assert.NotNull(removed.RetiredAt);
        var successor = after.Single(k => k.Algorithm == SigningAlgorithms.ES256 && k.State == SigningKeyState.Active);
        Assert.True(KeysCli.Opens(successor, KeysCli.MasterKey));
        Assert.Contains($"Key {revoked.Kid} is revoked.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("APIs that validate JWTs themselves keep a cached JWKS", result.StandardOutput, StringComparison.Ordinal);
        var audit = await cli.AuditAsync();
        Assert.Contains(audit, e => e.Action == "key.remove" && e.Target == revoked.Kid && e.Detail!.Contains("reason=emergency revoke", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "key.create" && e.Target == successor.Kid && e.Detail!.Contains("reason=emergency revoke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeysRevoke_UnknownKid_ExitsWith2AndChangesNothing()
    {
        using var cli = await KeysCli.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        var before = await cli.SnapshotAsync();

        var result = await cli.RunAsync("keys", "revoke", "no-such-kid");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("There is no published key 'no-such-kid'", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, await cli.SnapshotAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task KeysRevokeAndRotate_WithAWrongMasterKey_AreRefusedAndChangeNothing(DatabaseProvider provider)
    {
        using var cli = await KeysCli.CreateAsync(provider, cluster);
        await cli.RunCheckedAsync("keys", "rotate");
        var kid = (await cli.LoadKeysAsync()).First().Kid;
        var before = await cli.SnapshotAsync();
        var auditBefore = (await cli.AuditAsync()).Count;
        KeysCli.WriteKeyFile(cli.MasterKeyPath, KeysCli.OtherMasterKey);

        var revoke = await cli.RunAsync("keys", "revoke", kid);
        var rotate = await cli.RunAsync("keys", "rotate");

        foreach (var result in new[] { revoke, rotate })
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains($"The master key from {cli.MasterKeyPath} does not open signing key", result.StandardError, StringComparison.Ordinal);
        }

        Assert.Equal(before, await cli.SnapshotAsync());
        Assert.Equal(auditBefore, (await cli.AuditAsync()).Count);
    }

    [Fact]
    public async Task KeysRotate_NoMasterKey_IsRefusedAndMakesNoKey()
    {
        using var cli = await KeysCli.CreateAsync(DatabaseProvider.Sqlite, cluster);
        File.Delete(cli.MasterKeyPath);

        var result = await cli.RunAsync("keys", "rotate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("No master key at", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await cli.LoadKeysAsync());
        Assert.False(File.Exists(cli.MasterKeyPath), "The CLI never makes a master key.");
    }
}
