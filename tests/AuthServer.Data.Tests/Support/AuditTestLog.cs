using System.Globalization;
using AuthServer.Data.Audit;
using AuthServer.Protocol.Audit;
using AuthServer.Testing;

namespace AuthServer.Data.Tests.Support;

/// <summary>A migrated test database with audit entries appended the ways the server appends them, and raw SQL to tamper.</summary>
public sealed class AuditTestLog : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = FixedTimeProvider.DefaultNow;

    private readonly bool _ownsTest;

    private AuditTestLog(TestDatabase test, AuthServerDatabase database, bool ownsTest = true)
    {
        Test = test;
        Database = database;
        _ownsTest = ownsTest;
    }

    public TestDatabase Test { get; }

    public AuthServerDatabase Database { get; }

    public static async Task<AuditTestLog> CreateAsync(DatabaseProvider provider, PostgresCluster cluster)
    {
        var test = await TestDatabase.CreateAsync(provider, cluster);
        var database = test.Open();
        await Tokens.MigrateAsync(database);
        return new AuditTestLog(test, database);
    }

    /// <summary>A log over a database the caller owns and has migrated (disposing it leaves the database).</summary>
    public static Task<AuditTestLog> OpenAsync(TestDatabase test) => Task.FromResult(new AuditTestLog(test, test.Open(), ownsTest: false));

    /// <summary>Event number <paramref name="n"/>, a minute after the previous one.</summary>
    public static AuditEvent Event(int n, string action = "admin.client.updated") => new(
        Start.AddMinutes(n), action, "success", ClientId: $"client-{n}", Subject: null, Target: $"client:c{n}",
        Detail: $"change {n}", Actor: "user:alice", Source: "127.0.0.1", Data: string.Create(CultureInfo.InvariantCulture, $"{{\"before\":{{\"n\":{n - 1}}},\"after\":{{\"n\":{n}}}}}"));

    /// <summary>Appends events 1..count through <see cref="AuditLog.AppendAsync"/>, each in its own transaction.</summary>
    public async Task AppendAsync(int count, int first = 1)
    {
        for (var n = first; n < first + count; n++)
        {
            await AppendAsync(Database, Event(n));
        }
    }

    public static async Task AppendAsync(AuthServerDatabase database, params AuditEvent[] events)
    {
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await AuditLog.AppendAsync(db, events, CancellationToken.None);
        await transaction.CommitAsync();
    }

    public Task<AuditVerification> VerifyAsync(AuditCheckpoint? expectHead = null) =>
        AuditVerifier.VerifyAsync(Database, expectHead, CancellationToken.None);

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await Database.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async Task<AuditRecord> ReadAsync(long sequence)
    {
        await using var connection = await Database.OpenConnectionAsync(CancellationToken.None);
        await using var select = AuditSql.CreateSelect(connection, null, $"WHERE sequence = {sequence}");
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"There is no entry {sequence}.");
        return AuditSql.Read(reader);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_ownsTest)
        {
            Test.Dispose();
        }
    }
}
