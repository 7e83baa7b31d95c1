using AuthServer.Protocol.Clients;

namespace AuthServer.Data.Stores;

/// <summary>
/// Used client assertion jti values in the database, so every node sees them. Using one is a single statement: an
/// insert that, when the (client, jti) key is taken, only takes over a row that has already expired; the one row it
/// writes or does not write is the answer. SQLite (3.24+) and PostgreSQL share the syntax.
/// </summary>
public sealed class ClientAssertionReplayStore(AuthServerDatabase database) : IClientAssertionReplayStore
{
    public async Task<bool> TryUseAsync(
        string clientId, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES (@client, @jti, @expires) " +
            "ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at " +
            "WHERE client_assertion_jtis.expires_at < @now";
        command.AddParameter("@client").Value = clientId;
        command.AddParameter("@jti").Value = jti;
        command.AddParameter("@expires").Value = expiresAt.ToUnixTimeSeconds();
        command.AddParameter("@now").Value = now.ToUnixTimeSeconds();
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> rows that expired before <paramref name="now"/>. Returns how many.</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "DELETE FROM client_assertion_jtis WHERE (client_id, jti) IN " +
            "(SELECT client_id, jti FROM client_assertion_jtis WHERE expires_at < @now LIMIT @limit)";
        command.AddParameter("@now").Value = now.ToUnixTimeSeconds();
        command.AddParameter("@limit").Value = batchSize;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
