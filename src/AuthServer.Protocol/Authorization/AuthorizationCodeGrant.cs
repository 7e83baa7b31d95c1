using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using AuthServer.Protocol.Tokens;
using AuthServer.Protocol.Users;

namespace AuthServer.Protocol.Authorization;

/// <summary>
/// RFC 6749 §4.1.3 with RFC 7636: a code is redeemed once, by the client it was issued to, with the same
/// redirect_uri and the PKCE verifier of its challenge. A second redemption is treated as theft: every token
/// issued from the code is revoked (RFC 6749 §4.1.2, RFC 9700 §4.5).
/// </summary>
public sealed class AuthorizationCodeGrant(
    IAuthorizationCodeStore codes,
    ITokenStore tokens,
    IResourceStore resources,
    IUserDirectory users,
    AccessTokenIssuer issuer,
    IdTokenWriter idTokens,
    Claims.ClaimsService claims,
    RefreshTokens refreshTokens,
    IAuditSink audit,
    ProtocolSettings settings,
    TimeProvider time) : IGrantHandler
{
    public const string Name = AuthorizationRequestValidator.GrantType;

    public string GrantType => Name;

    public async Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken)
    {
        var presented = parameters.Require("code");
        if (!OpaqueHandle.IsWellFormed(presented))
        {
            throw InvalidGrant("malformed code");
        }

        // 1. Spend the code: whatever else is wrong with the request, it cannot be tried again.
        var now = time.GetUtcNow();
        var (outcome, code) = await codes.TryRedeemAsync(OpaqueHandle.Hash(presented), now, cancellationToken);
        if (outcome == CodeRedemption.Unknown || code is null)
        {
            throw InvalidGrant("unknown code");
        }

        if (outcome == CodeRedemption.AlreadyRedeemed)
        {
            var revoked = await tokens.RevokeFamilyAsync(code.FamilyId, now, cancellationToken);
            audit.Record(new AuditEvent(now, "code.replayed", "failure", client.ClientId, code.Subject,
                Target: code.ClientId, Detail: $"family={code.FamilyId} revoked={revoked}"));
            throw InvalidGrant("code already redeemed; its tokens are revoked");
        }

        // 2. What the code is bound to.
        if (code.ClientId != client.ClientId)
        {
            throw InvalidGrant($"code issued to another client ({code.ClientId})");
        }

        if (now >= code.ExpiresAt)
        {
            throw InvalidGrant("code expired");
        }

        if (!string.Equals(parameters.Get("redirect_uri"), code.RedirectUri, StringComparison.Ordinal))
        {
            throw InvalidGrant("redirect_uri differs from the authorization request");
        }

        var verifier = parameters.Get("code_verifier");
        if (code.CodeChallenge is null ? verifier is not null : !Pkce.Verify(verifier, code.CodeChallenge))
        {
            throw InvalidGrant(code.CodeChallenge is null ? "code_verifier sent for a code without a challenge" : "PKCE verification failed");
        }

        var user = await users.FindAsync(code.Subject, cancellationToken);
        if (user is null || !user.CanSignIn)
        {
            throw InvalidGrant("the user can no longer sign in");
        }

        // 3. The tokens, all in the code's family.
        var audiences = code.Audiences.Count > 0 ? code.Audiences : [settings.UserInfoAudience];
        var catalog = await resources.GetCatalogAsync(cancellationToken);
        var access = new GrantedAccess(code.Scopes, audiences, catalog.SigningAlgorithmFor(audiences));
        var accessToken = await issuer.IssueAsync(
            new AccessTokenRequest(client, code.Subject, Claims.SubjectKind.User, access, Name, code.FamilyId), cancellationToken);
        var idToken = code.Scopes.Contains(IdentityScopes.OpenId)
            ? idTokens.Write(new IdTokenContent(user.Subject,
                await claims.ForIdentityAsync(user.Subject, code.Scopes, includeSensitive: false, cancellationToken),
                client, code.Scopes, code.AuthTime, code.Amr, code.Nonce, code.SessionId, accessToken.Value))
            : null;

        // A refresh token only when offline access was granted and the client may refresh (RFC 6749 §1.5, Core §11).
        var refreshToken = code.Scopes.Contains(IdentityScopes.OfflineAccess) && client.GrantTypes.Contains(RefreshTokenGrant.Name)
            ? await refreshTokens.IssueAsync(client, code.Subject, code.Scopes, audiences, code.FamilyId, cancellationToken)
            : null;

        return new TokenResponse(accessToken.Value, "Bearer", accessToken.ExpiresIn, string.Join(' ', code.Scopes))
        {
            IdToken = idToken,
            RefreshToken = refreshToken,
        };
    }

    private static OAuthException InvalidGrant(string detail) =>
        new(OAuthErrorCode.InvalidGrant, "The authorization code is invalid, expired or already used.", detail);
}
