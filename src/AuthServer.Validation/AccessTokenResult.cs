using System.Security.Claims;

namespace AuthServer.Validation;

/// <summary>Why a token was refused. Each maps to one short public description; the detail goes to the log only.</summary>
internal enum TokenFailure
{
    Malformed,
    TooLarge,
    WrongType,
    AlgorithmNotAccepted,
    UnknownKey,
    InvalidSignature,
    Expired,
    NotYetValid,
    WrongIssuer,
    WrongAudience,
    Inactive,
    AuthorityUnavailable,
}

/// <summary>The outcome of validating one bearer token: claims, or a failure with its log-only detail.</summary>
internal sealed record AccessTokenResult(
    IReadOnlyList<Claim>? Claims, TokenFailure? Failure, string? Detail, string Format, string? Type)
{
    public const string JwtFormat = "jwt";
    public const string OpaqueFormat = "opaque";

    public static AccessTokenResult Success(IReadOnlyList<Claim> claims, string format, string? type) =>
        new(claims, null, null, format, type);

    public static AccessTokenResult Fail(TokenFailure failure, string detail, string format) =>
        new(null, failure, detail, format, null);

    /// <summary>The RFC 6750 §3 error_description: short, fixed, and free of the characters §3 forbids.</summary>
    public static string Describe(TokenFailure failure) => failure switch
    {
        TokenFailure.Malformed => "The access token is malformed.",
        TokenFailure.TooLarge => "The access token is too large.",
        TokenFailure.WrongType => "The access token is not of type at+jwt.",
        TokenFailure.AlgorithmNotAccepted => "The signing algorithm is not accepted.",
        TokenFailure.UnknownKey => "The signing key is unknown.",
        TokenFailure.InvalidSignature => "The signature is invalid.",
        TokenFailure.Expired => "The access token has expired.",
        TokenFailure.NotYetValid => "The access token is not yet valid.",
        TokenFailure.WrongIssuer => "The access token issuer is not accepted.",
        TokenFailure.WrongAudience => "The access token is not meant for this API.",
        TokenFailure.Inactive => "The access token is not active.",
        TokenFailure.AuthorityUnavailable => "The access token could not be validated.",
        _ => "The access token is invalid.",
    };
}

/// <summary>Carries a refusal from authentication to the challenge, which writes it as invalid_token.</summary>
internal sealed class InvalidAccessTokenException(TokenFailure failure)
    : Exception(AccessTokenResult.Describe(failure))
{
    public TokenFailure Failure { get; } = failure;
}
