using System.Text.Json;
using AuthServer.Data.Audit;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

/// <summary>`authserver audit verify | export | prune`, run as a process against a new database of each provider.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditCommandTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AuditVerify_IntactLog_ExitsZeroWithTheCountAndTheHead(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(4);
        var head = await log.ReadAsync(4);

        var result = await RunAsync(log, "audit", "verify");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("OK: 4 entries, sequence 1 to 4, unbroken.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"Head: 4:{head.Hash}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AuditVerify_RowEdited_ExitsOneNamingTheSequenceAndTheKind(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(4);
        await log.ExecuteAsync("UPDATE audit_events SET detail = 'harmless' WHERE sequence = 2");

        var result = await RunAsync(log, "audit", "verify");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("BROKEN at sequence 2 (edited): Entry 2 was changed after it was written", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("OK", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_ExpectHeadAfterTheTailWasDeleted_ExitsOneSayingTruncated()
    {
        await using var log = await AuditTestLog.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await log.AppendAsync(4);
        var head = await log.ReadAsync(4);
        await log.ExecuteAsync("DELETE FROM audit_events WHERE sequence = 4");

        var plain = await RunAsync(log, "audit", "verify");
        var checkpointed = await RunAsync(log, "audit", "verify", "--expect-head", $"4:{head.Hash}");

        Assert.Equal(0, plain.ExitCode);
        Assert.True(checkpointed.ExitCode == 1, checkpointed.ToString());
        Assert.Contains("BROKEN at sequence 4 (truncated): The log ends at sequence 3", checkpointed.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4")]
    [InlineData("four:abc")]
    [InlineData("4:not-a-hash")]
    public async Task AuditVerify_ExpectHeadNotSequenceColonHash_ExitsTwoSayingTheFormat(string expectHead)
    {
        await using var log = await AuditTestLog.CreateAsync(DatabaseProvider.Sqlite, cluster);

        var result = await RunAsync(log, "audit", "verify", "--expect-head", expectHead);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--expect-head must be SEQUENCE:HASH", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AuditExport_ActionPrefixAndTimeRange_WritesMatchingEntriesAsJsonLinesWithTheirHashes(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(3);
        await AuditTestLog.AppendAsync(log.Database, AuditTestLog.Event(4, "login.password"), AuditTestLog.Event(5, "admin.key.rotated"));

        var result = await RunAsync(log, "audit", "export", "--action", "admin.", "--from", AuditTestLog.Start.AddMinutes(2).ToString("O"),
            "--to", "2025-06-01T12:05:00Z");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(new long[] { 2, 3 }, lines.Select(l => l.GetProperty("sequence").GetInt64()));
        var three = await log.ReadAsync(3);
        var line = lines[1];
        Assert.Equal("2025-06-01T12:03:00.000Z", line.GetProperty("occurredAt").GetString());
        Assert.Equal((three.Action, three.Actor, three.Target, three.Data), (line.GetProperty("action").GetString(),
            line.GetProperty("actor").GetString(), line.GetProperty("target").GetString(), line.GetProperty("data").GetString()));
        Assert.Equal((three.PreviousHash, three.Hash), (line.GetProperty("previousHash").GetString(), line.GetProperty("hash").GetString()));
    }

    [Fact]
    public async Task AuditExport_ToAFileWithActor_WritesEveryEntryOfThatActorAndSaysHowMany()
    {
        await using var log = await AuditTestLog.CreateAsync(DatabaseProvider.Sqlite, cluster);
        await log.AppendAsync(3);
        await AuditTestLog.AppendAsync(log.Database, AuditTestLog.Event(4) with { Actor = "client:automation" });
        var file = Path.Combine(Path.GetDirectoryName(log.Test.SqliteFile)!, "export.jsonl");

        var result = await RunAsync(log, "audit", "export", "--actor", "user:alice", "--output", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Wrote 3 entries to {file}.", result.StandardOutput, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal("user:alice", JsonDocument.Parse(l).RootElement.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task AuditExport_FromIsNotADate_ExitsTwoSayingWhatToGive()
    {
        await using var log = await AuditTestLog.CreateAsync(DatabaseProvider.Sqlite, cluster);

        var result = await RunAsync(log, "audit", "export", "--from", "yesterday");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--from must be a date or time in ISO 8601", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AuditPrune_Before_DeletesTheOldestAndVerifyStillPasses(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);

        var prune = await RunAsync(log, "audit", "prune", "--before", "2025-06-01T12:03:00Z");
        var verify = await RunAsync(log, "audit", "verify");

        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Deleted 2 entries up to sequence 2. The prune is recorded as entry 6 (audit.pruned)", prune.StandardOutput, StringComparison.Ordinal);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("OK: 4 entries, sequence 3 to 6, unbroken.", verify.StandardOutput, StringComparison.Ordinal);
        var anchor = await log.ReadAsync(6);
        Assert.StartsWith("cli:", anchor.Actor, StringComparison.Ordinal);
        Assert.Equal(new AuditCheckpoint(2, (await log.ReadAsync(3)).PreviousHash), PruneAnchor.TryParse(anchor.Data!));
    }

    private static Task<ChildProcessResult> RunAsync(AuditTestLog log, params string[] args) => CliRunner.RunAsync(log.Test, args, "");
}
