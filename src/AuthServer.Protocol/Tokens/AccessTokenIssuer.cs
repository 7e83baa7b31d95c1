using System.Text.Json;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Grants;

namespace AuthServer.Protocol.Tokens;

public sealed record IssuedAccessToken(string Value, TokenRecord Record, int ExpiresIn);

/// <summary>What a grant asks the issuer for. Format and lifetime default to the client's.</summary>
public sealed record AccessTokenRequest(
    Client Client, string Subject, SubjectKind SubjectKind, GrantedAccess Access, string GrantType, string? FamilyId)
{
    /// <summary>RFC 8693 §4.1: the actor of a delegated token.</summary>
    public JsonElement? Act { get; init; }

    public AccessTokenFormat? Format { get; init; }

    public TimeSpan? Lifetime { get; init; }

    /// <summary>The audit action of the issue (token.issued unless the grant says what else it is).</summary>
    public string AuditAction { get; init; } = "token.issued";

    /// <summary>What the grant adds to the audit detail (e.g. how a token exchange was made).</summary>
    public string? AuditDetail { get; init; }
}

/// <summary>Issues an access token in the client's format, with the claims store's claims, and stores it before returning it.</summary>
public sealed class AccessTokenIssuer(
    ITokenStore store, JwtAccessTokenWriter jwtWriter, ClaimsService claims, IAuditSink audit, TimeProvider time)
{
    public async Task<IssuedAccessToken> IssueAsync(AccessTokenRequest request, CancellationToken cancellationToken)
    {
        var (client, access) = (request.Client, request.Access);

        // JWT NumericDate has whole seconds; the stored record uses the same instants. Identifiers take the
        // milliseconds, so tokens issued within one second still reach the indexes in order.
        var instant = time.GetUtcNow();
        var now = DateTimeOffset.FromUnixTimeSeconds(instant.ToUnixTimeSeconds());
        var lifetimeSeconds = (int)(request.Lifetime ?? client.AccessTokenLifetime).TotalSeconds;
        var format = request.Format ?? client.AccessTokenFormat;
        var jti = OpaqueHandle.NewId(instant);
        var record = new TokenRecord
        {
            Id = jti,
            Jti = jti,
            Format = format,
            ClientId = client.ClientId,
            Subject = request.Subject,
            Scopes = access.Scopes,
            Audiences = access.Audiences,
            IssuedAt = now,
            ExpiresAt = now.AddSeconds(lifetimeSeconds),
            // A token issued on its own (client_credentials) is a family of one.
            FamilyId = request.FamilyId ?? jti,
            Claims = await claims.ForAccessTokenAsync(
                request.SubjectKind, request.Subject, access.Scopes, access.Audiences, request.Act, cancellationToken),
        };

        string value;
        if (format == AccessTokenFormat.Jwt)
        {
            value = jwtWriter.Write(record, access.SigningAlgorithm);
        }
        else
        {
            value = OpaqueHandle.Create(instant);
            record = record with { Id = OpaqueHandle.Hash(value) };
        }

        // Queued before the token, so it is committed with it (or earlier): no issued token goes unaudited.
        var detail = $"grant={request.GrantType} format={format.ToString().ToLowerInvariant()} jti={jti} scope={string.Join(' ', access.Scopes)}";
        audit.Record(new AuditEvent(now, request.AuditAction, "success", client.ClientId, request.Subject,
            Target: string.Join(' ', access.Audiences),
            Detail: request.AuditDetail is null ? detail : $"{request.AuditDetail} {detail}"));
        await store.AddAsync(record, cancellationToken);
        return new IssuedAccessToken(value, record, lifetimeSeconds);
    }
}
