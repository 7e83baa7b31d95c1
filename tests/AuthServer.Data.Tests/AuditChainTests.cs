using AuthServer.Data.Audit;
using AuthServer.Data.Stores;
using AuthServer.Data.Tests.Support;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

/// <summary>
/// The audit hash chain: appends through every writer make one linear chain; verify finds each kind of tampering at
/// the sequence where it happened; prune leaves an anchor verify accepts. Tampering is done with plain SQL, as someone
/// with write access to the database would.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditChainTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Append_ThroughAuditLogAndTheGroupCommitWriter_OneChainThatVerifies(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(3);
        await using (var writer = new GroupCommitWriter(log.Database))
        {
            await Task.WhenAll(Enumerable.Range(4, 5).Select(n => writer.WriteAuditAsync(AuditTestLog.Event(n), CancellationToken.None)));
        }

        var result = await log.VerifyAsync();

        Assert.True(result.Ok, result.Problem?.Message);
        Assert.Equal(8, result.Count);
        Assert.Equal(1, result.FirstSequence);
        var head = await log.ReadAsync(8);
        Assert.Equal(new AuditCheckpoint(8, head.Hash), result.Head);
        var first = await log.ReadAsync(1);
        Assert.Equal(AuditRecord.Genesis, first.PreviousHash);
        Assert.Equal((await log.ReadAsync(7)).Hash, head.PreviousHash);
        Assert.Equal(("user:alice", "127.0.0.1", """{"before":{"n":0},"after":{"n":1}}"""), (first.Actor, first.Source, first.Data));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_OneFieldOfARowEdited_ReportsEditedAtThatSequence(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);
        Assert.True((await log.VerifyAsync()).Ok);

        await log.ExecuteAsync("UPDATE audit_events SET actor = 'user:mallory' WHERE sequence = 3");

        var result = await log.VerifyAsync();
        Assert.Equal(new AuditProblem(3, "edited", "Entry 3 was changed after it was written: its content does not match its hash."), result.Problem);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_DataOfARowEditedByOneCharacter_ReportsEdited(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(3);

        await log.ExecuteAsync("""UPDATE audit_events SET data = '{"before":{"n":1},"after":{"n":3}}' WHERE sequence = 2""");

        Assert.Equal((2L, "edited"), Where(await log.VerifyAsync()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_MiddleRowDeleted_ReportsThatSequenceMissing(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);

        await log.ExecuteAsync("DELETE FROM audit_events WHERE sequence = 3");

        var result = await log.VerifyAsync();
        Assert.Equal(new AuditProblem(3, "deleted", "Entry 3 is missing: the sequence jumps from 2 to 4."), result.Problem);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_TwoRowsContentsSwapped_ReportsTheFirstOfThemEdited(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);
        var (two, three) = (await log.ReadAsync(2), await log.ReadAsync(3));

        // Every field but the chain's own columns trades places.
        foreach (var (sequence, from) in new[] { (2L, three), (3L, two) })
        {
            await log.ExecuteAsync(
                "UPDATE audit_events SET occurred_at = @t, client_id = @c, target = @g, detail = @d, data = @x WHERE sequence = @s",
                ("@t", from.OccurredAt), ("@c", from.ClientId), ("@g", from.Target), ("@d", from.Detail), ("@x", from.Data), ("@s", sequence));
        }

        Assert.Equal((2L, "edited"), Where(await log.VerifyAsync()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_TwoWholeRowsReordered_ReportsReordered(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);

        // Entry 3 moves before entry 2, hashes and all.
        await log.ExecuteAsync("UPDATE audit_events SET sequence = -1 WHERE sequence = 2");
        await log.ExecuteAsync("UPDATE audit_events SET sequence = 2 WHERE sequence = 3");
        await log.ExecuteAsync("UPDATE audit_events SET sequence = 3 WHERE sequence = -1");

        var result = await log.VerifyAsync();
        Assert.Equal((2L, "reordered"), Where(result));
        Assert.Contains("after entry 1", result.Problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_RowEditedAndItsHashRecomputed_ReportsTheNextEntryReplaced(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);
        var forged = (await log.ReadAsync(3)) with { Detail = "nothing happened" };

        await log.ExecuteAsync("UPDATE audit_events SET detail = @d, hash = @h WHERE sequence = 3",
            ("@d", forged.Detail), ("@h", forged.ComputeHash()));

        Assert.Equal((4L, "replaced"), Where(await log.VerifyAsync()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_FirstRowsDeletedWithoutAnAnchor_ReportsTheStartDeleted(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);

        await log.ExecuteAsync("DELETE FROM audit_events WHERE sequence <= 2");

        var result = await log.VerifyAsync();
        Assert.Equal((2L, "deleted"), Where(result));
        Assert.StartsWith("The log starts at sequence 3, but no audit.pruned entry records a prune up to 2", result.Problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_TailTruncated_PassesAloneButFailsAgainstTheRecordedHead(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(5);
        var head = (await log.VerifyAsync()).Head!;

        await log.ExecuteAsync("DELETE FROM audit_events WHERE sequence >= 4");

        Assert.True((await log.VerifyAsync()).Ok, "Without a checkpoint a shorter chain is still a chain.");
        var result = await log.VerifyAsync(head);
        Assert.Equal(new AuditProblem(5, "truncated",
            "The log ends at sequence 3, but the checkpoint says it had reached 5: entries at the end were deleted."), result.Problem);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_LogRewrittenAfterTheCheckpoint_ReportsTheCheckpointMismatch(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(3);
        var head = (await log.VerifyAsync()).Head!;

        // Entry 3 rewritten with a hash that fits, and the entries after it appended on top: the chain alone is whole.
        var forged = (await log.ReadAsync(3)) with { Detail = "rewritten" };
        await log.ExecuteAsync("UPDATE audit_events SET detail = @d, hash = @h WHERE sequence = 3", ("@d", forged.Detail), ("@h", forged.ComputeHash()));
        await log.AppendAsync(1, first: 4);

        Assert.True((await log.VerifyAsync()).Ok);
        Assert.Equal((3L, "checkpoint"), Where(await log.VerifyAsync(head)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Prune_OldestEntries_DeletesThemRecordsAnAnchorAndTheLogVerifies(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(6);
        var lastPruned = await log.ReadAsync(3);

        // Events are a minute apart from Start+1min: before Start+4min leaves 4, 5, 6.
        var result = await AuditPruner.PruneAsync(log.Database, AuditTestLog.Start.AddMinutes(4), "cli:ops", AuditTestLog.Start.AddDays(1), CancellationToken.None);

        Assert.Equal(3, result.Deleted);
        Assert.Equal(new AuditCheckpoint(3, lastPruned.Hash), result.LastPruned);
        Assert.Equal(7, result.Anchor!.Sequence);
        Assert.Equal(("audit.pruned", "cli:ops"), (result.Anchor.Action, result.Anchor.Actor));
        var verified = await log.VerifyAsync();
        Assert.True(verified.Ok, verified.Problem?.Message);
        Assert.Equal((4L, 7L, 4L), (verified.FirstSequence!.Value, verified.Head!.Sequence, verified.Count));

        // The anchor proves only that prune: one more entry gone from the start is caught.
        await log.ExecuteAsync("DELETE FROM audit_events WHERE sequence = 4");
        Assert.Equal((4L, "deleted"), Where(await log.VerifyAsync()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Prune_EverythingThenAppend_TheAnchorStartsTheLogAndItVerifies(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(3);

        var first = await AuditPruner.PruneAsync(log.Database, AuditTestLog.Start.AddDays(1), "cli:ops", AuditTestLog.Start.AddDays(1), CancellationToken.None);
        await log.AppendAsync(2, first: 10);
        var again = await AuditPruner.PruneAsync(log.Database, AuditTestLog.Start.AddMinutes(1), "cli:ops", AuditTestLog.Start.AddDays(2), CancellationToken.None);

        Assert.Equal(3, first.Deleted);
        Assert.Equal(0, again.Deleted);
        Assert.Null(again.Anchor);
        var verified = await log.VerifyAsync();
        Assert.True(verified.Ok, verified.Problem?.Message);
        Assert.Equal((4L, 6L), (verified.FirstSequence!.Value, verified.Head!.Sequence));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_RowInsertedWithoutTheChain_ReportsItUnchained(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);
        await log.AppendAsync(2);

        await log.ExecuteAsync("INSERT INTO audit_events (occurred_at, action, outcome) VALUES (1, 'login.password', 'success')");

        var result = await log.VerifyAsync();
        Assert.Equal(((long?)null, "unchained"), (result.Problem?.Sequence, result.Problem?.Kind));
        Assert.Contains("login.password at 1970-01-01T00:00:00.001Z", result.Problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Verify_EmptyLog_IsOkWithNoHead(DatabaseProvider provider)
    {
        await using var log = await AuditTestLog.CreateAsync(provider, cluster);

        var result = await log.VerifyAsync();

        Assert.True(result.Ok);
        Assert.Equal((0L, null), (result.Count, result.Head));
    }

    [Fact]
    public void Seal_ValuesLongerThanTheirColumn_AreCutBeforeHashingAndNeverInsideASurrogatePair()
    {
        var longDetail = new string('x', 1999) + "😀" + "tail";

        var record = AuditRecord.Seal(AuditTestLog.Event(1) with { Detail = longDetail, Source = "a\0b" }, 1, AuditRecord.Genesis);

        Assert.Equal(new string('x', 1999), record.Detail);
        Assert.Equal("a\uFFFDb", record.Source);
        Assert.Equal(record.Hash, record.ComputeHash());
        Assert.NotEqual(record.Hash, (record with { Detail = record.Detail + "y" }).ComputeHash());
    }

    [Fact]
    public void ComputeHash_FieldBoundaryMoved_GivesAnotherHash()
    {
        var record = AuditRecord.Seal(AuditTestLog.Event(1) with { ClientId = "ab", Subject = "c" }, 1, AuditRecord.Genesis);

        Assert.NotEqual(record.Hash, (record with { ClientId = "a", Subject = "bc" }).ComputeHash());
        Assert.NotEqual(record.Hash, (record with { ClientId = "ab", Subject = null, Target = "c" + record.Target }).ComputeHash());
    }

    private static (long? Sequence, string? Kind) Where(AuditVerification result) => (result.Problem?.Sequence, result.Problem?.Kind);
}
