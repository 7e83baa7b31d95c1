using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;

namespace AuthServer.Protocol.Authorization;

public static class ResponseModes
{
    public const string Query = "query";
    public const string FormPost = "form_post";
}

/// <summary>A validated authorization request: everything the code will be bound to.</summary>
public sealed record AuthorizationRequest
{
    public required Client Client { get; init; }

    public required string RedirectUri { get; init; }

    public required string ResponseMode { get; init; }

    public string? State { get; init; }

    public string? Nonce { get; init; }

    /// <summary>The scopes granted: requested, narrowed to what the client may have.</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    public required string AccessTokenAlgorithm { get; init; }

    public string? CodeChallenge { get; init; }

    public IReadOnlySet<string> Prompt { get; init; } = new HashSet<string>();

    public TimeSpan? MaxAge { get; init; }
}

/// <summary>
/// An error that must not go to the redirect URI, because the client or the redirect URI could not be trusted
/// (RFC 6749 §4.1.2.1): the user sees it on a page instead.
/// </summary>
public sealed class AuthorizationPageException(string description) : Exception(description);

/// <summary>An error returned to the client at its (verified) redirect URI, with its state (RFC 6749 §4.1.2.1).</summary>
public sealed class AuthorizationRedirectException(
    OAuthErrorCode code, string description, string redirectUri, string responseMode, string? state)
    : Exception($"{code.WireName()}: {description}")
{
    public OAuthErrorCode Code { get; } = code;

    public string Description { get; } = description;

    public string RedirectUri { get; } = redirectUri;

    public string ResponseMode { get; } = responseMode;

    public string? State { get; } = state;
}
