using AuthServer.Protocol.Clients;

namespace AuthServer.Protocol.Tokens;

/// <summary>Finds the stored record behind a presented token of either format.</summary>
public sealed class TokenLocator(ITokenStore store, JwtAccessTokenReader jwtReader)
{
    /// <param name="checkLifetime">Whether an expired JWT still resolves (revocation wants it; introspection does not).</param>
    public async ValueTask<TokenRecord?> FindAsync(string token, bool checkLifetime, CancellationToken cancellationToken)
    {
        if (OpaqueHandle.IsWellFormed(token))
        {
            var record = await store.FindAsync(OpaqueHandle.Hash(token), cancellationToken);
            return record?.Format == AccessTokenFormat.Opaque ? record : null;
        }

        if (token.Length < 4096 && JwtAccessTokenReader.LooksLikeJwt(token))
        {
            var jti = await jwtReader.ValidateAsync(token, checkLifetime);
            if (jti is null)
            {
                return null;
            }

            var record = await store.FindAsync(jti, cancellationToken);
            return record?.Format == AccessTokenFormat.Jwt ? record : null;
        }

        return null;
    }
}
