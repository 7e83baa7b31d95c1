using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Protocol.Revocation;

/// <summary>RFC 7009: a client revokes a token that was issued to it.</summary>
public sealed class TokenRevoker(TokenLocator locator, ITokenStore store, TimeProvider time)
{
    /// <summary>Returns the revoked record, or null when nothing was revoked.</summary>
    public async Task<TokenRecord?> RevokeAsync(Client caller, string token, CancellationToken cancellationToken)
    {
        var record = await locator.FindAsync(token, checkLifetime: false, cancellationToken);

        // RFC 7009 §2.1: only the client the token was issued to may revoke it. Unknown tokens and other
        // clients' tokens get the same 200 (§2.2), so the endpoint cannot be used to test whether a token exists.
        if (record is null || !string.Equals(record.ClientId, caller.ClientId, StringComparison.Ordinal))
        {
            return null;
        }

        // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of the same grant, and its
        // successors; an access token is revoked alone.
        var now = time.GetUtcNow();
        if (record.Kind == TokenKind.RefreshToken)
        {
            return await store.RevokeFamilyAsync(record.FamilyId, now, cancellationToken) > 0 ? record : null;
        }

        return await store.RevokeAsync(record.Id, now, cancellationToken) ? record : null;
    }
}
