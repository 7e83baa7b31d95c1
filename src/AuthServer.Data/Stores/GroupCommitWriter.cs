using System.Data.Common;
using System.Threading.Channels;
using AuthServer.Data.Audit;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Data.Stores;

/// <summary>
/// Batches token and audit inserts into one transaction per round (group commit): every writer waits for
/// the commit that holds its row, but many writers share one commit and one fsync. Writes are committed in
/// the order they were queued.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly AuthServerDatabase _database;
    private readonly Channel<PendingWrite> _queue =
        Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(100_000) { SingleReader = true });
    private readonly Task _loop;
    private long _droppedAuditEvents;
    private long _lostAuditEvents;

    public GroupCommitWriter(AuthServerDatabase database)
    {
        _database = database;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Audit events that could not be queued because the queue was full.</summary>
    public long DroppedAuditEvents => Interlocked.Read(ref _droppedAuditEvents);

    /// <summary>
    /// Audit events that nobody awaited and that were not stored: the database was away when their batch was
    /// committed, or the event's own insert failed.
    /// </summary>
    public long LostAuditEvents => Interlocked.Read(ref _lostAuditEvents);

    public Task WriteTokenAsync(TokenRecord token, CancellationToken cancellationToken) =>
        EnqueueAsync(new PendingWrite(token, null, awaited: true), cancellationToken);

    public Task WriteAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken) =>
        EnqueueAsync(new PendingWrite(null, auditEvent, awaited: true), cancellationToken);

    private Task EnqueueAsync(PendingWrite write, CancellationToken cancellationToken) =>
        _queue.Writer.TryWrite(write) ? write.Committed!.Task : SlowEnqueueAsync(write, cancellationToken);

    public void WriteAudit(AuditEvent auditEvent)
    {
        if (!_queue.Writer.TryWrite(new PendingWrite(null, auditEvent, awaited: false)))
        {
            Interlocked.Increment(ref _droppedAuditEvents);
        }
    }

    private async Task SlowEnqueueAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(write, cancellationToken);
        await write.Committed!.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await CommitAsync(batch);
                foreach (var write in batch)
                {
                    write.Committed?.TrySetResult();
                }
            }
            catch (Exception e) when (DatabaseOutage.IsOutage(e))
            {
                // The database is away (down, locked past the busy timeout): every write of the batch would fail the
                // same way, each after its own timeout, so fail them all now. The requests answer 503 and nothing was
                // returned as stored; the loop goes on, and the first batch after the database returns commits.
                _database.ClearPool();
                FailAll(batch, e);
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad row must not fail its neighbours: retry each write in a transaction of its own, so
                // only the writes that fail on their own are reported as failed.
                for (var i = 0; i < batch.Count; i++)
                {
                    try
                    {
                        await CommitAsync([batch[i]]);
                        batch[i].Committed?.TrySetResult();
                    }
                    catch (Exception e) when (DatabaseOutage.IsOutage(e))
                    {
                        // The database went away meanwhile: the rest would wait out the timeout one by one.
                        _database.ClearPool();
                        FailAll(batch[i..], e);
                        break;
                    }
                    catch (Exception e)
                    {
                        Fail(batch[i], e);
                    }
                }
            }
            catch (Exception e)
            {
                Fail(batch[0], e);
            }
        }
    }

    private void FailAll(List<PendingWrite> batch, Exception e)
    {
        foreach (var write in batch)
        {
            Fail(write, e);
        }
    }

    private void Fail(PendingWrite write, Exception e)
    {
        if (write.Committed is { } committed)
        {
            committed.TrySetException(e);
        }
        else
        {
            // Nobody waits for it (a fire-and-forget audit event): it is lost, and counted.
            Interlocked.Increment(ref _lostAuditEvents);
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        await using var connection = await _database.OpenConnectionAsync(CancellationToken.None);
        if (_database.Provider == DatabaseProvider.Sqlite)
        {
            // "Returned" means "on disk": with WAL, synchronous=FULL fsyncs the log at every commit. Said here
            // rather than trusted to the library default, and paid once per batch, not once per token.
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=FULL";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var transaction = await connection.BeginTransactionAsync();
        await using var tokenInsert = TokenSql.CreateInsert(connection, transaction);
        AuditChain? chain = null;
        try
        {
            foreach (var write in batch)
            {
                if (write.Token is { } token)
                {
                    TokenSql.Bind(tokenInsert, token);
                    await tokenInsert.ExecuteNonQueryAsync();
                }
                else if (write.Audit is { } audit)
                {
                    // The chain lock and head read once per batch, at its first audit event: a batch of tokens only
                    // never waits for the chain, and the lock is held just from here to the commit.
                    chain ??= await AuditChain.OpenAsync(connection, transaction, _database.Provider, CancellationToken.None);
                    await chain.AppendAsync(audit, CancellationToken.None);
                }
            }

            await transaction.CommitAsync();
        }
        finally
        {
            if (chain is not null)
            {
                await chain.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed class PendingWrite(TokenRecord? token, AuditEvent? audit, bool awaited)
    {
        public TokenRecord? Token { get; } = token;

        public AuditEvent? Audit { get; } = audit;

        public TaskCompletionSource? Committed { get; } =
            awaited ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
    }
}
