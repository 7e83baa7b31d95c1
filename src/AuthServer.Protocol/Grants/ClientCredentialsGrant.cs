using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using AuthServer.Protocol.Tokens;

namespace AuthServer.Protocol.Grants;

/// <summary>RFC 6749 §4.4: a confidential client obtains a token for itself.</summary>
public sealed class ClientCredentialsGrant(IResourceStore resources, AccessTokenIssuer issuer) : IGrantHandler
{
    public const string Name = "client_credentials";

    public string GrantType => Name;

    public async Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken)
    {
        // §4.4: the client credentials grant must only be used by confidential clients.
        if (client.Type != ClientType.Confidential)
        {
            throw new OAuthException(OAuthErrorCode.UnauthorizedClient, "Public clients cannot use client_credentials.");
        }

        var catalog = await resources.GetCatalogAsync(cancellationToken);
        var access = ScopePolicy.Resolve(client, parameters.Get("scope"), parameters.GetAll("resource"), catalog);

        // RFC 9068 §2.2: a token a client obtains for itself has the client as its subject.
        var token = await issuer.IssueAsync(
            new AccessTokenRequest(client, client.ClientId, Claims.SubjectKind.Client, access, Name, FamilyId: null), cancellationToken);
        return new TokenResponse(token.Value, "Bearer", token.ExpiresIn, string.Join(' ', access.Scopes));
    }
}
