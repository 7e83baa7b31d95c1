using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Grants;

namespace AuthServer.Protocol.Tokens;

public sealed record IssuedAccessToken(string Value, TokenRecord Record, int ExpiresIn);

/// <summary>Issues an access token in the client's format and stores it before returning it.</summary>
public sealed class AccessTokenIssuer(ITokenStore store, JwtAccessTokenWriter jwtWriter, IAuditSink audit, TimeProvider time)
{
    public async Task<IssuedAccessToken> IssueAsync(
        Client client, string subject, GrantedAccess access, string grantType, string? familyId, CancellationToken cancellationToken)
    {
        // JWT NumericDate has whole seconds; the stored record uses the same instants. Identifiers take the
        // milliseconds, so tokens issued within one second still reach the indexes in order.
        var instant = time.GetUtcNow();
        var now = DateTimeOffset.FromUnixTimeSeconds(instant.ToUnixTimeSeconds());
        var lifetimeSeconds = (int)client.AccessTokenLifetime.TotalSeconds;
        var jti = OpaqueHandle.NewId(instant);
        var record = new TokenRecord
        {
            Id = jti,
            Jti = jti,
            Format = client.AccessTokenFormat,
            ClientId = client.ClientId,
            Subject = subject,
            Scopes = access.Scopes,
            Audiences = access.Audiences,
            IssuedAt = now,
            ExpiresAt = now.AddSeconds(lifetimeSeconds),
            // A token issued on its own (client_credentials) is a family of one.
            FamilyId = familyId ?? jti,
        };

        string value;
        if (client.AccessTokenFormat == AccessTokenFormat.Jwt)
        {
            value = jwtWriter.Write(record, access.SigningAlgorithm);
        }
        else
        {
            value = OpaqueHandle.Create(instant);
            record = record with { Id = OpaqueHandle.Hash(value) };
        }

        // Queued before the token, so it is committed with it (or earlier): no issued token goes unaudited.
        audit.Record(new AuditEvent(now, "token.issued", "success", client.ClientId, subject,
            Target: string.Join(' ', access.Audiences),
            Detail: $"grant={grantType} format={record.Format.ToString().ToLowerInvariant()} jti={jti} scope={string.Join(' ', access.Scopes)}"));
        await store.AddAsync(record, cancellationToken);
        return new IssuedAccessToken(value, record, lifetimeSeconds);
    }
}
