using AuthServer.Protocol.Tokens;

namespace AuthServer.Data.Stores;

/// <summary>Tokens in plain SQL: inserts go through the group-commit writer; reads and updates are single statements.</summary>
public sealed class TokenStore(AuthServerDatabase database, GroupCommitWriter writer, TokenStoreSettings settings) : ITokenStore
{
    public Task AddAsync(TokenRecord token, CancellationToken cancellationToken) =>
        writer.WriteTokenAsync(token, cancellationToken);

    public async ValueTask<TokenRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TokenSql.Columns} FROM tokens WHERE id = @id";
        command.AddParameter("@id").Value = id;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? TokenSql.Read(reader) : null;
    }

    public async Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken) =>
        await RevokeWhereAsync("id = @key", id, revokedAt, cancellationToken) > 0;

    public async Task<bool> TryConsumeAsync(string id, string successorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE tokens SET consumed_at = @now, successor_id = @successor " +
            "WHERE id = @id AND consumed_at IS NULL AND status = 'active'";
        command.AddParameter("@now").Value = now.ToUnixTimeSeconds();
        command.AddParameter("@successor").Value = successorId;
        command.AddParameter("@id").Value = id;
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task<int> RevokeFamilyAsync(string familyId, DateTimeOffset revokedAt, CancellationToken cancellationToken) =>
        RevokeWhereAsync("family_id = @key", familyId, revokedAt, cancellationToken);

    private async Task<int> RevokeWhereAsync(string condition, string key, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();

        command.CommandText = TokenSql.Revoke(condition);
        command.AddParameter("@at").Value = revokedAt.ToUnixTimeSeconds();
        command.AddParameter("@prune").Value = (revokedAt + settings.RevokedRetention).ToUnixTimeSeconds();
        command.AddParameter("@key").Value = key;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> tokens that are past their prune time. Returns how many.</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE prune_after < @now LIMIT @limit)";
        command.AddParameter("@now").Value = now.ToUnixTimeSeconds();
        command.AddParameter("@limit").Value = batchSize;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <param name="RevokedRetention">How long a revoked token's row is kept before pruning (never past its expiry).</param>
public sealed record TokenStoreSettings(TimeSpan RevokedRetention);
