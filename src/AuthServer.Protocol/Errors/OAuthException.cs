namespace AuthServer.Protocol.Errors;

/// <summary>
/// A protocol error. <see cref="Description"/> is safe to show the client; <see cref="Detail"/> is for logs only.
/// </summary>
public sealed class OAuthException : Exception
{
    public OAuthException(OAuthErrorCode code, string description, string? detail = null)
        : base($"{code.WireName()}: {detail ?? description}")
    {
        Code = code;
        Description = description;
        Detail = detail;
    }

    public OAuthErrorCode Code { get; }

    public string Description { get; }

    public string? Detail { get; }

    public static OAuthException InvalidRequest(string description, string? detail = null) =>
        new(OAuthErrorCode.InvalidRequest, description, detail);

    public static OAuthException InvalidClient(string? detail = null) =>
        new(OAuthErrorCode.InvalidClient, "Client authentication failed.", detail);
}
