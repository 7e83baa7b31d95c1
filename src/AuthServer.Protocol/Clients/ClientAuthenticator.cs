using System.Text;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Secrets;

namespace AuthServer.Protocol.Clients;

/// <summary>Authenticates the client of a request (RFC 6749 §2.3): exactly one method, else an error.</summary>
public sealed class ClientAuthenticator(IClientStore clients, IAuditSink audit, TimeProvider time)
{
    // Compared against when the client does not exist, so unknown and known ids cost the same.
    private static readonly IReadOnlyList<string> DecoyHashes = [SecretHasher.Hash(SecretHasher.Generate())];

    /// <summary>Returns the authenticated client and the method it used.</summary>
    /// <param name="allowPublic">Whether a public client may identify itself with client_id alone.</param>
    public async ValueTask<(Client Client, string Method)> AuthenticateAsync(
        ClientCredentials presented, bool allowPublic, CancellationToken cancellationToken)
    {
        var (clientId, secret, method) = SelectMethod(presented);
        try
        {
            return await AuthenticateAsync(clientId, secret, method, allowPublic, cancellationToken);
        }
        catch (OAuthException e) when (e.Code == OAuthErrorCode.InvalidClient)
        {
            audit.Record(new AuditEvent(time.GetUtcNow(), "client.authentication_failed", "failure",
                ClientId: Requests.ProtocolParameters.Printable(clientId), Detail: $"{method}: {e.Detail}"));
            throw;
        }
    }

    private async ValueTask<(Client Client, string Method)> AuthenticateAsync(
        string clientId, string? secret, string method, bool allowPublic, CancellationToken cancellationToken)
    {
        var client = await clients.FindAsync(clientId, cancellationToken);

        if (method == ClientAuthenticationMethods.None)
        {
            if (client is null || !client.Enabled || client.Type != ClientType.Public || !allowPublic)
            {
                throw OAuthException.InvalidClient(
                    client is null ? "unknown client" : "no credentials presented for a client that needs them");
            }

            return (client, method);
        }

        var valid = SecretHasher.Verify(secret!, client?.SecretHashes ?? DecoyHashes);
        if (client is null || !valid || !client.Enabled || client.Type != ClientType.Confidential)
        {
            throw OAuthException.InvalidClient(
                client is null ? "unknown client"
                : !client.Enabled ? "client is disabled"
                : !valid ? "wrong secret"
                : "secret presented by a public client");
        }

        return (client, method);
    }

    private static (string ClientId, string? Secret, string Method) SelectMethod(ClientCredentials presented)
    {
        var basic = presented.AuthorizationHeader is { } header ? ParseBasic(header) : null;

        if (basic is { } b)
        {
            // RFC 6749 §2.3: a client must not use more than one authentication method in a request.
            if (presented.FormClientSecret is not null)
            {
                throw OAuthException.InvalidRequest(
                    "The client presented credentials both in the Authorization header and in the body; use one method.");
            }

            if (presented.FormClientId is not null && !string.Equals(presented.FormClientId, b.Id, StringComparison.Ordinal))
            {
                throw OAuthException.InvalidRequest("The client_id in the body does not match the Authorization header.");
            }

            return (b.Id, b.Secret, ClientAuthenticationMethods.ClientSecretBasic);
        }

        if (presented.FormClientId is null)
        {
            throw OAuthException.InvalidClient("no client identification presented");
        }

        return presented.FormClientSecret is null
            ? (presented.FormClientId, null, ClientAuthenticationMethods.None)
            : (presented.FormClientId, presented.FormClientSecret, ClientAuthenticationMethods.ClientSecretPost);
    }

    /// <summary>Parses an HTTP Basic header whose parts are form-urlencoded (RFC 6749 §2.3.1).</summary>
    internal static (string Id, string Secret)? ParseBasic(string header)
    {
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            // Another scheme (e.g. Bearer) is no client authentication at this endpoint.
            throw OAuthException.InvalidClient("unsupported Authorization scheme");
        }

        string decoded;
        try
        {
            var bytes = Convert.FromBase64String(header[scheme.Length..].Trim());
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw OAuthException.InvalidClient("malformed Basic credentials");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw OAuthException.InvalidClient("malformed Basic credentials");
        }

        var id = FormDecode(decoded[..colon]);
        var secret = FormDecode(decoded[(colon + 1)..]);
        // RFC 6749 Appendix A.1, A.2: client_id and client_secret are VSCHAR, so never NUL.
        if (id is null || secret is null || secret.Length == 0 || id.Contains('\0') || secret.Contains('\0'))
        {
            throw OAuthException.InvalidClient("malformed Basic credentials");
        }

        return (id, secret);
    }

    private static string? FormDecode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
