using System.Data.Common;
using System.Text.Json;
using AuthServer.Data.Admin.Users;
using AuthServer.Data.Audit;
using AuthServer.Data.Stores;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthServer.Data.Admin.Tokens;

/// <summary>
/// Tokens and grants for admins: find stored tokens by client or subject, revoke one or a whole family, list and revoke
/// a user's consents. Each revocation is one transaction with its audit event. No token value or stored hash ever
/// leaves this class: tokens are named by their jti.
/// </summary>
public sealed class TokenAdministration(AuthServerDatabase database, TokenStoreSettings settings, TimeProvider time)
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);
    private static readonly UpperInvariantLookupNormalizer Normalizer = new();

    /// <summary>
    /// Stored tokens, newest first, of a client and/or a subject (a user name, or a subject as tokens carry it: a user id,
    /// or a client id for a client's own tokens).
    /// </summary>
    public async Task<TokenList> FindAsync(string? clientId, string? subject, int skip, int take, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var subjectId = string.IsNullOrWhiteSpace(subject) ? null : await SubjectIdAsync(db, subject.Trim(), ct);
        var conditions = new List<string>();
        var parameters = new List<(string, object)>();
        if (!string.IsNullOrWhiteSpace(clientId))
        {
            conditions.Add("client_id = @client");
            parameters.Add(("@client", clientId.Trim()));
        }

        if (subjectId is not null)
        {
            conditions.Add("subject = @subject");
            parameters.Add(("@subject", subjectId));
        }

        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        var connection = await OpenAsync(db, ct);
        long total;
        await using (var count = Command(connection, null, $"SELECT COUNT(*) FROM tokens{where}", parameters))
        {
            total = Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        var records = new List<TokenRecord>();
        await using (var select = Command(connection, null,
            $"SELECT {TokenSql.Columns} FROM tokens{where} ORDER BY issued_at DESC, id DESC LIMIT @take OFFSET @skip",
            [.. parameters, ("@take", take), ("@skip", skip)]))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                records.Add(TokenSql.Read(reader));
            }
        }

        return new TokenList(await SummariesAsync(db, records, ct), total);
    }

    /// <summary>One token by its reference (jti); null when there is none.</summary>
    public async Task<TokenSummary?> GetAsync(string reference, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        return await FindByReferenceAsync(db, reference, ct) is { } record ? (await SummariesAsync(db, [record], ct))[0] : null;
    }

    /// <summary>Revokes one token (a refresh token alone: its family stays, see <see cref="RevokeFamilyAsync"/>).</summary>
    public async Task<ChangeResult<TokenSummary>> RevokeAsync(string reference, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        if (await FindByReferenceAsync(db, reference, ct) is not { } record)
        {
            return ChangeResult<TokenSummary>.NotFound($"There is no token '{reference}'.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        if (await RevokeWhereAsync(db, "id = @id", [("@id", record.Id)], now, ct) == 0)
        {
            return ChangeResult<TokenSummary>.Conflict("The token is already revoked.");
        }

        var before = (await SummariesAsync(db, [record], ct))[0];
        var after = before with { Status = "revoked", RevokedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()) };
        await AuditAsync(db, new AuditEvent(now, "admin.token.revoked", "success", ClientId: record.ClientId, Subject: record.Subject,
            Target: $"token:{record.Jti}", Actor: caller.Actor, Source: caller.Source,
            Data: JsonSerializer.Serialize(new { before = Audited(before), after = Audited(after) }, AuditJson)), ct);
        await transaction.CommitAsync(ct);
        return ChangeResult<TokenSummary>.Ok(after);
    }

    /// <summary>Revokes every active token of a family: a refresh-token rotation chain and the access tokens issued from it.</summary>
    public async Task<ChangeResult<FamilyRevocation>> RevokeFamilyAsync(string familyId, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var connection = await OpenAsync(db, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        string? client = null, subject = null;
        await using (var find = Command(connection, transaction.GetDbTransaction(),
            "SELECT client_id, subject FROM tokens WHERE family_id = @family LIMIT 1", [("@family", familyId)]))
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                (client, subject) = (reader.GetString(0), reader.GetString(1));
            }
        }

        if (client is null)
        {
            return ChangeResult<FamilyRevocation>.NotFound($"There is no token family '{familyId}'.");
        }

        var now = time.GetUtcNow();
        var revoked = await RevokeWhereAsync(db, "family_id = @family", [("@family", familyId)], now, ct);
        if (revoked == 0)
        {
            return ChangeResult<FamilyRevocation>.Conflict("Every token of this family is already revoked.");
        }

        await AuditAsync(db, new AuditEvent(now, "admin.token_family.revoked", "success", ClientId: client, Subject: subject,
            Target: $"token_family:{familyId}", Actor: caller.Actor, Source: caller.Source,
            Data: JsonSerializer.Serialize(new { before = new { familyId, status = "active" }, after = new { familyId, status = "revoked", revoked } }, AuditJson)), ct);
        await transaction.CommitAsync(ct);
        return ChangeResult<FamilyRevocation>.Ok(new FamilyRevocation(familyId, revoked));
    }

    /// <summary>The clients a user consented to; null when there is no such user.</summary>
    public async Task<IReadOnlyList<GrantSummary>?> GrantsAsync(string userName, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        if (await UserAsync(db, userName, ct) is not { } user)
        {
            return null;
        }

        var consents = await db.Consents.AsNoTracking().Where(c => c.UserId == user.Id).OrderBy(c => c.ClientId).ToListAsync(ct);
        return consents.Select(c => new GrantSummary(user.Name, c.ClientId, Split(c.Scopes), c.GrantedAt)).ToList();
    }

    /// <summary>
    /// Revokes a user's consent to a client: the consent is deleted, every active token of that client for that user is
    /// revoked, and unredeemed authorization codes are dropped, so the client must ask the user again.
    /// </summary>
    public async Task<ChangeResult<GrantRevocation>> RevokeGrantAsync(string userName, string clientId, AdminCaller caller, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        if (await UserAsync(db, userName, ct) is not { } user)
        {
            return ChangeResult<GrantRevocation>.NotFound($"There is no user '{userName}'.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var consent = await db.Consents.SingleOrDefaultAsync(c => c.UserId == user.Id && c.ClientId == clientId, ct);
        if (consent is null)
        {
            return ChangeResult<GrantRevocation>.NotFound($"User '{user.Name}' has not consented to client '{clientId}'.");
        }

        db.Consents.Remove(consent);
        await db.SaveChangesAsync(ct);
        await db.AuthorizationCodes.Where(c => c.ClientId == clientId && c.Subject == user.Id && c.RedeemedAt == null).ExecuteDeleteAsync(ct);
        var now = time.GetUtcNow();
        var revoked = await RevokeWhereAsync(db, "client_id = @client AND subject = @subject", [("@client", clientId), ("@subject", user.Id)], now, ct);
        var before = new { clientId, scopes = Split(consent.Scopes), grantedAt = consent.GrantedAt };
        await AuditAsync(db, new AuditEvent(now, "admin.grant.revoked", "success", ClientId: clientId, Subject: user.Id,
            Target: $"grant:{user.Name}/{clientId}", Actor: caller.Actor, Source: caller.Source,
            Data: JsonSerializer.Serialize(new { before, after = (object?)null, tokensRevoked = revoked }, AuditJson)), ct);
        await transaction.CommitAsync(ct);
        return ChangeResult<GrantRevocation>.Ok(new GrantRevocation(user.Name, clientId, revoked));
    }

    /// <summary>
    /// A JWT's row is keyed by its jti, and a token outside a refresh family has its jti as family id: both are one index
    /// lookup. Only a token inside a refresh family is looked for by jti alone, which reads the table (the jti is not
    /// indexed: an index the token insert would pay for on every request, for an admin action that is rare; such tokens
    /// are usually revoked by family anyway). A stored hash given as a reference finds nothing: hashes are not references.
    /// </summary>
    private static async Task<TokenRecord?> FindByReferenceAsync(AuthServerDbContext db, string reference, CancellationToken ct)
    {
        var connection = await OpenAsync(db, ct);
        foreach (var condition in new[] { "id = @ref AND jti = @ref", "family_id = @ref AND jti = @ref", "jti = @ref" })
        {
            await using var command = Command(connection, null, $"SELECT {TokenSql.Columns} FROM tokens WHERE {condition}", [("@ref", reference)]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                return TokenSql.Read(reader);
            }
        }

        return null;
    }

    /// <summary>The token store's revocation statement, run in the context's transaction so it commits with its audit event.</summary>
    private async Task<int> RevokeWhereAsync(
        AuthServerDbContext db, string condition, IReadOnlyList<(string, object)> parameters, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = Command(db.Database.GetDbConnection(), db.Database.CurrentTransaction!.GetDbTransaction(), TokenSql.Revoke(condition),
            [.. parameters, ("@at", now.ToUnixTimeSeconds()), ("@prune", (now + settings.RevokedRetention).ToUnixTimeSeconds())]);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<TokenSummary>> SummariesAsync(AuthServerDbContext db, IReadOnlyList<TokenRecord> records, CancellationToken ct)
    {
        var subjects = records.Select(r => r.Subject).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => subjects.Contains(u.Id)).Select(u => new { u.Id, u.UserName })
            .ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        var now = time.GetUtcNow();
        return records.Select(r => new TokenSummary(
            r.Jti, r.Kind == TokenKind.RefreshToken ? "refresh_token" : "access_token", r.Format == AccessTokenFormat.Jwt ? "jwt" : "opaque",
            r.ClientId, r.Subject, names.GetValueOrDefault(r.Subject), r.Scopes, r.Audiences, r.IssuedAt, r.ExpiresAt,
            r.Status == TokenStatus.Revoked ? "revoked" : r.ConsumedAt is not null ? "used" : r.ExpiresAt <= now ? "expired" : "active",
            r.RevokedAt, r.FamilyId)).ToList();
    }

    private static object Audited(TokenSummary t) =>
        new { reference = t.Reference, t.Kind, t.Format, t.ClientId, t.Subject, t.Scopes, t.Audiences, t.IssuedAt, t.ExpiresAt, t.Status, t.FamilyId };

    private static async Task AuditAsync(AuthServerDbContext db, AuditEvent e, CancellationToken ct) => await AuditLog.AppendAsync(db, [e], ct);

    /// <summary>A user name resolves to the user's id; anything else is taken as the subject itself.</summary>
    private static async Task<string> SubjectIdAsync(AuthServerDbContext db, string subject, CancellationToken ct) =>
        (await UserAsync(db, subject, ct))?.Id ?? subject;

    private static async Task<(string Id, string Name)?> UserAsync(AuthServerDbContext db, string userName, CancellationToken ct)
    {
        var normalized = Normalizer.NormalizeName(userName);
        var user = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized).Select(u => new { u.Id, u.UserName })
            .SingleOrDefaultAsync(ct);
        return user is null ? null : (user.Id, user.UserName ?? user.Id);
    }

    private static async Task<DbConnection> OpenAsync(AuthServerDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        return db.Database.GetDbConnection();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.AddParameter(name).Value = value;
        }

        return command;
    }

    private static string[] Split(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
