using System.Data.Common;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Data.Stores;

/// <summary>The token table's SQL, shared by both providers (snake_case names need no quoting).</summary>
internal static class TokenSql
{
    public const string Columns =
        "id, jti, kind, format, client_id, subject, scopes, audiences, issued_at, expires_at, status, revoked_at, family_id, prune_after, " +
        "consumed_at, successor_id, absolute_expires_at, claims";

    public static DbCommand CreateInsert(DbConnection connection, DbTransaction transaction) =>
        connection.CreateInsert(transaction, "tokens", Columns);

    public static void Bind(DbCommand command, TokenRecord t)
    {
        command.Set("@id", t.Id);
        command.Set("@jti", t.Jti);
        command.Set("@kind", KindName(t.Kind));
        command.Set("@format", t.Format == AccessTokenFormat.Jwt ? "jwt" : "opaque");
        command.Set("@client_id", t.ClientId);
        command.Set("@subject", t.Subject);
        command.Set("@scopes", string.Join(' ', t.Scopes));
        command.Set("@audiences", string.Join(' ', t.Audiences));
        command.Set("@issued_at", t.IssuedAt.ToUnixTimeSeconds());
        command.Set("@expires_at", t.ExpiresAt.ToUnixTimeSeconds());
        command.Set("@status", t.Status == TokenStatus.Revoked ? "revoked" : "active");
        command.Set("@revoked_at", t.RevokedAt?.ToUnixTimeSeconds());
        command.Set("@family_id", t.FamilyId);
        command.Set("@prune_after", t.ExpiresAt.ToUnixTimeSeconds());
        command.Set("@consumed_at", t.ConsumedAt?.ToUnixTimeSeconds());
        command.Set("@successor_id", t.SuccessorId);
        command.Set("@absolute_expires_at", t.AbsoluteExpiresAt?.ToUnixTimeSeconds());
        command.Set("@claims", t.Claims?.Serialize());
    }

    public static TokenRecord Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Jti = r.GetString(1),
        Kind = r.GetString(2) switch
        {
            "access_token" => TokenKind.AccessToken,
            "refresh_token" => TokenKind.RefreshToken,
            var other => throw new InvalidDataException($"unknown token kind '{other}'"),
        },
        Format = r.GetString(3) == "jwt" ? AccessTokenFormat.Jwt : AccessTokenFormat.Opaque,
        ClientId = r.GetString(4),
        Subject = r.GetString(5),
        Scopes = Split(r.GetString(6)),
        Audiences = Split(r.GetString(7)),
        IssuedAt = DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(8)),
        ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(9)),
        Status = r.GetString(10) == "active" ? TokenStatus.Active : TokenStatus.Revoked,
        RevokedAt = r.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(11)),
        FamilyId = r.GetString(12),
        ConsumedAt = r.IsDBNull(14) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(14)),
        SuccessorId = r.IsDBNull(15) ? null : r.GetString(15),
        AbsoluteExpiresAt = r.IsDBNull(16) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(16)),
        Claims = r.IsDBNull(17) ? null : TokenClaims.Parse(r.GetString(17)),
    };

    private static string KindName(TokenKind kind) => kind switch
    {
        TokenKind.AccessToken => "access_token",
        TokenKind.RefreshToken => "refresh_token",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string[] Split(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Revokes the active tokens that match <paramref name="condition"/> (parameters @at, @prune and the condition's).
    /// A revoked row is kept for a while (so reuse of a revoked token can still be recognised), then pruned.
    /// </summary>
    public static string Revoke(string condition) =>
        "UPDATE tokens SET status = 'revoked', revoked_at = @at, " +
        "prune_after = CASE WHEN prune_after < @prune THEN prune_after ELSE @prune END " +
        $"WHERE {condition} AND status = 'active'";
}
