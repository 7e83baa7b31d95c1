namespace AuthServer.Protocol.Errors;

/// <summary>The closed set of protocol error codes this server emits.</summary>
public enum OAuthErrorCode
{
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidTarget,
    UnsupportedTokenType,
    ServerError,
    TemporarilyUnavailable,

    // RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6: authorization responses only.
    UnsupportedResponseType,
    AccessDenied,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
}

public static class OAuthErrorCodes
{
    public static string WireName(this OAuthErrorCode code) => code switch
    {
        OAuthErrorCode.InvalidRequest => "invalid_request",
        OAuthErrorCode.InvalidClient => "invalid_client",
        OAuthErrorCode.InvalidGrant => "invalid_grant",
        OAuthErrorCode.UnauthorizedClient => "unauthorized_client",
        OAuthErrorCode.UnsupportedGrantType => "unsupported_grant_type",
        OAuthErrorCode.InvalidScope => "invalid_scope",
        OAuthErrorCode.InvalidTarget => "invalid_target",
        OAuthErrorCode.UnsupportedTokenType => "unsupported_token_type",
        OAuthErrorCode.ServerError => "server_error",
        OAuthErrorCode.TemporarilyUnavailable => "temporarily_unavailable",
        OAuthErrorCode.UnsupportedResponseType => "unsupported_response_type",
        OAuthErrorCode.AccessDenied => "access_denied",
        OAuthErrorCode.LoginRequired => "login_required",
        OAuthErrorCode.ConsentRequired => "consent_required",
        OAuthErrorCode.InteractionRequired => "interaction_required",
        OAuthErrorCode.RequestNotSupported => "request_not_supported",
        OAuthErrorCode.RequestUriNotSupported => "request_uri_not_supported",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The one place that maps an error code to an HTTP status.</summary>
    public static int HttpStatus(this OAuthErrorCode code) => code switch
    {
        // RFC 6749 §5.2: failed client authentication is 401 with a WWW-Authenticate challenge.
        OAuthErrorCode.InvalidClient => 401,
        // RFC 6749 §4.1.2.1: server_error stands for an unexpected condition (a 500 the client can read).
        OAuthErrorCode.ServerError => 500,
        // RFC 6749 §4.1.2.1: temporarily_unavailable stands for a 503.
        OAuthErrorCode.TemporarilyUnavailable => 503,
        // RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 8707 §2: every other error is a 400.
        _ => 400,
    };
}
