using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using AuthServer.Protocol.Tokens;
using AuthServer.Protocol.Users;

namespace AuthServer.Protocol.Grants;

/// <summary>
/// RFC 6749 §6 with rotation (RFC 9700 §4.14.2): each refresh token works once and is replaced by its successor.
/// Presenting a used one again is treated as theft and revokes the whole family, except within a short grace
/// window in which the client racing itself gets the same successor. Scopes can only narrow.
/// </summary>
public sealed class RefreshTokenGrant(
    ITokenStore store,
    RefreshTokens refreshTokens,
    IResourceStore resources,
    IUserDirectory users,
    AccessTokenIssuer issuer,
    IAuditSink audit,
    ProtocolSettings settings,
    TimeProvider time) : IGrantHandler
{
    public const string Name = "refresh_token";

    public string GrantType => Name;

    public async Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken)
    {
        // 1. The refresh token, issued to this client.
        var presented = parameters.Require("refresh_token");
        var record = OpaqueHandle.IsWellFormed(presented)
            ? await store.FindAsync(OpaqueHandle.Hash(presented), cancellationToken)
            : null;
        if (record is null || record.Kind != TokenKind.RefreshToken || record.ClientId != client.ClientId)
        {
            throw InvalidGrant("unknown refresh token, or another client's");
        }

        var now = time.GetUtcNow();
        if (record.Status != TokenStatus.Active || now >= record.ExpiresAt)
        {
            throw InvalidGrant("refresh token revoked or expired");
        }

        // 2. Scopes: the same or fewer (§6).
        var scopes = parameters.Get("scope") is { } scope ? ScopePolicy.ParseScope(scope) : record.Scopes.ToList();
        if (scopes.Count == 0 || scopes.Any(s => !record.Scopes.Contains(s)))
        {
            throw new OAuthException(OAuthErrorCode.InvalidScope, "A refresh can only keep or narrow the granted scopes.");
        }

        var user = await users.FindAsync(record.Subject, cancellationToken);
        if (user is null || !user.CanSignIn)
        {
            throw InvalidGrant("the user can no longer sign in");
        }

        // 3. Rotation: exactly one request exchanges the token; a racing twin within the grace window gets the same successor.
        var successor = refreshTokens.SuccessorOf(presented);
        var successorId = OpaqueHandle.Hash(successor);
        if (record.ConsumedAt is null)
        {
            await refreshTokens.AddSuccessorAsync(record, successor, client, cancellationToken);
            if (!await store.TryConsumeAsync(record.Id, successorId, now, cancellationToken))
            {
                record = await store.FindAsync(record.Id, cancellationToken) ?? record;
            }
            else
            {
                record = record with { ConsumedAt = now, SuccessorId = successorId };
                return await RespondAsync(client, record, scopes, successor, cancellationToken);
            }
        }

        var next = await store.FindAsync(successorId, cancellationToken);
        var racing = record.ConsumedAt is { } consumedAt && now - consumedAt <= settings.RefreshTokenReuseGrace
            && record.SuccessorId == successorId && next is { ConsumedAt: null } && next.IsActiveAt(now);
        if (!racing)
        {
            var revoked = await store.RevokeFamilyAsync(record.FamilyId, now, cancellationToken);
            audit.Record(new AuditEvent(now, "refresh.reused", "failure", client.ClientId, record.Subject,
                Target: null, Detail: $"family={record.FamilyId} revoked={revoked}"));
            throw InvalidGrant("refresh token reused; its family is revoked");
        }

        return await RespondAsync(client, record, scopes, successor, cancellationToken);
    }

    private async Task<TokenResponse> RespondAsync(
        Client client, TokenRecord record, List<string> scopes, string successor, CancellationToken cancellationToken)
    {
        var algorithm = (await resources.GetCatalogAsync(cancellationToken)).SigningAlgorithmFor(record.Audiences);
        var accessScopes = scopes.Where(s => s != Authorization.IdentityScopes.OfflineAccess).ToList();
        var grantedAccess = new GrantedAccess(accessScopes, record.Audiences, algorithm);
        var access = await issuer.IssueAsync(
            new AccessTokenRequest(client, record.Subject, Claims.SubjectKind.User, grantedAccess, Name, record.FamilyId), cancellationToken);
        return new TokenResponse(access.Value, "Bearer", access.ExpiresIn, string.Join(' ', scopes)) { RefreshToken = successor };
    }

    private static OAuthException InvalidGrant(string detail) =>
        new(OAuthErrorCode.InvalidGrant, "The refresh token is invalid, expired, revoked or already used.", detail);
}
