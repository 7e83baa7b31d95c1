using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;

namespace AuthServer.Http;

public static class ClientCredentialsReader
{
    public static ClientCredentials From(HttpRequest request, ProtocolParameters parameters)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count > 1)
        {
            throw OAuthException.InvalidRequest("The Authorization header was sent more than once.");
        }

        return new ClientCredentials(
            authorization.Count == 1 ? authorization[0] : null,
            parameters.Get("client_id"),
            parameters.Get("client_secret"),
            parameters.Get("client_assertion_type"),
            parameters.Get("client_assertion"));
    }
}
