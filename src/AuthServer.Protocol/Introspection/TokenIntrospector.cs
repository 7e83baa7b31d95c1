using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Protocol.Introspection;

/// <summary>RFC 7662: says whether a token is active, to a caller allowed to ask about it.</summary>
public sealed class TokenIntrospector(TokenLocator locator, TimeProvider time)
{
    /// <summary>The active token, or null for every kind of inactive (unknown, expired, revoked, not visible).</summary>
    public async ValueTask<TokenRecord?> IntrospectAsync(Client caller, string token, CancellationToken cancellationToken)
    {
        // RFC 7662 §4: callers must be specifically authorized to use introspection.
        if (!caller.CanIntrospect)
        {
            throw new OAuthException(OAuthErrorCode.UnauthorizedClient,
                "This client is not allowed to use token introspection.");
        }

        var record = await locator.FindAsync(token, checkLifetime: true, cancellationToken);
        // Refresh tokens are for the client that holds them, not for APIs or gateways: never active here.
        if (record is null || record.Kind != TokenKind.AccessToken || !record.IsActiveAt(time.GetUtcNow()))
        {
            return null;
        }

        // A caller sees only tokens meant for an API it introspects for; the rest look inactive (RFC 7662 §2.2).
        return record.Audiences.Any(caller.IntrospectionApis.Contains) ? record : null;
    }
}
