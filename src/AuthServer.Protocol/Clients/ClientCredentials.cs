namespace AuthServer.Protocol.Clients;

/// <summary>What a request presented to identify its client, before any check.</summary>
/// <param name="AuthorizationHeader">The raw Authorization header, when there was one.</param>
/// <param name="FormClientId">client_id from the body.</param>
/// <param name="FormClientSecret">client_secret from the body.</param>
/// <param name="ClientAssertionType">client_assertion_type from the body (RFC 7521 §4.2).</param>
/// <param name="ClientAssertion">client_assertion from the body (RFC 7521 §4.2).</param>
public sealed record ClientCredentials(
    string? AuthorizationHeader,
    string? FormClientId,
    string? FormClientSecret,
    string? ClientAssertionType = null,
    string? ClientAssertion = null);

public static class ClientAuthenticationMethods
{
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";

    /// <summary>A JWT signed with a key the client registered (OpenID Connect Core §9, RFC 7523 §2.2).</summary>
    public const string PrivateKeyJwt = "private_key_jwt";
    public const string None = "none";

    /// <summary>RFC 7523 §2.2: the client_assertion_type of a JWT client assertion.</summary>
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public static readonly IReadOnlyList<string> Supported = [ClientSecretBasic, ClientSecretPost, PrivateKeyJwt];
}
