namespace AuthServer.Protocol.Clients;

/// <summary>What a request presented to identify its client, before any check.</summary>
/// <param name="AuthorizationHeader">The raw Authorization header, when there was one.</param>
/// <param name="FormClientId">client_id from the body.</param>
/// <param name="FormClientSecret">client_secret from the body.</param>
public sealed record ClientCredentials(string? AuthorizationHeader, string? FormClientId, string? FormClientSecret);

public static class ClientAuthenticationMethods
{
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public const string None = "none";

    public static readonly IReadOnlyList<string> Supported = [ClientSecretBasic, ClientSecretPost];
}
