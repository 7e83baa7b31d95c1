using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Requests;

namespace AuthServer.Protocol.Grants;

/// <summary>The successful token response (RFC 6749 §5.1).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope)
{
    /// <summary>OpenID Connect Core §3.1.3.3: present when the grant was for the openid scope.</summary>
    public string? IdToken { get; init; }

    public string? RefreshToken { get; init; }

    /// <summary>RFC 8693 §2.2.1: the type of the token a token exchange issued.</summary>
    public string? IssuedTokenType { get; init; }
}

/// <summary>One grant type. The token endpoint and discovery read the same list of registered handlers.</summary>
public interface IGrantHandler
{
    string GrantType { get; }

    Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken);
}
