using System.Text;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Secrets;

namespace AuthServer.Protocol.Clients;

/// <summary>
/// Authenticates the client of a request (RFC 6749 §2.3): exactly one method, else an error. The methods: HTTP Basic,
/// client_secret in the body, private_key_jwt (RFC 7523 §2.2, checked by <see cref="ClientAssertionValidator"/>), or
/// client_id alone for a public client.
/// </summary>
public sealed class ClientAuthenticator(IClientStore clients, ClientAssertionValidator assertions, IAuditSink audit, TimeProvider time)
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
            if (method == ClientAuthenticationMethods.PrivateKeyJwt)
            {
                var assertion = ReadAssertion(presented);

                // A failure from here on is recorded under the client the assertion claims to be.
                clientId = assertion.ClientId;
                return await AuthenticateWithAssertionAsync(presented, assertion, cancellationToken);
            }

            return await AuthenticateAsync(clientId, secret, method, allowPublic, cancellationToken);
        }
        catch (OAuthException e) when (e.Code == OAuthErrorCode.InvalidClient)
        {
            audit.Record(new AuditEvent(time.GetUtcNow(), "client.authentication_failed", "failure",
                ClientId: clientId.Length == 0 ? null : Requests.ProtocolParameters.Printable(clientId), Detail: $"{method}: {e.Detail}"));
            throw;
        }
    }

    /// <summary>RFC 7521 §4.2: only the JWT bearer assertion type (RFC 7523 §2.2) is supported.</summary>
    private static ClientAssertion ReadAssertion(ClientCredentials presented)
    {
        if (!string.Equals(presented.ClientAssertionType, ClientAuthenticationMethods.JwtBearerAssertionType, StringComparison.Ordinal))
        {
            throw OAuthException.InvalidClient("unsupported client_assertion_type");
        }

        return ClientAssertionValidator.Read(presented.ClientAssertion!);
    }

    /// <summary>private_key_jwt: the assertion names the client; a client_id in the body, if any, must be the same one.</summary>
    private async ValueTask<(Client Client, string Method)> AuthenticateWithAssertionAsync(
        ClientCredentials presented, ClientAssertion assertion, CancellationToken cancellationToken)
    {
        if (presented.FormClientId is not null && !string.Equals(presented.FormClientId, assertion.ClientId, StringComparison.Ordinal))
        {
            throw OAuthException.InvalidClient("client_id in the body is not the assertion's iss and sub");
        }

        var client = await clients.FindAsync(assertion.ClientId, cancellationToken);
        if (client is null || !client.Enabled || client.Type != ClientType.Confidential)
        {
            throw OAuthException.InvalidClient(
                client is null ? "unknown client" : !client.Enabled ? "client is disabled" : "assertion presented for a public client");
        }

        await assertions.ValidateAsync(client, assertion, cancellationToken);
        return (client, ClientAuthenticationMethods.PrivateKeyJwt);
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

        // A client registered with keys and no secret has no hashes here: only private_key_jwt authenticates it.
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
        if (presented.ClientAssertion is not null || presented.ClientAssertionType is not null)
        {
            return SelectAssertion(presented);
        }

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

    /// <summary>
    /// RFC 7521 §4.2 with RFC 6749 §2.3: an assertion is the request's only credential. Until the assertion is read, the
    /// client is the one the body names, if any.
    /// </summary>
    private static (string ClientId, string? Secret, string Method) SelectAssertion(ClientCredentials presented)
    {
        if (presented.AuthorizationHeader is not null || presented.FormClientSecret is not null)
        {
            throw OAuthException.InvalidRequest(
                "The client presented a client assertion and other credentials; use one authentication method.");
        }

        if (presented.ClientAssertion is null || presented.ClientAssertionType is null)
        {
            throw OAuthException.InvalidRequest("client_assertion and client_assertion_type must be sent together.");
        }

        return (presented.FormClientId ?? "", null, ClientAuthenticationMethods.PrivateKeyJwt);
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
