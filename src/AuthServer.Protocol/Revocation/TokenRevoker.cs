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

        return await store.RevokeAsync(record.Id, time.GetUtcNow(), cancellationToken) ? record : null;
    }
}
