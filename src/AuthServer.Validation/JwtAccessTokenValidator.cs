using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Validation;

/// <summary>
/// Validates an RFC 9068 JWT access token: at+jwt type, an allowed asymmetric algorithm that is also the algorithm
/// of the key named by kid, signature, iss, aud, exp and nbf. Wilson checks signature and claims; the header rules
/// are checked here first, so a forged header never reaches key selection.
/// </summary>
internal sealed class JwtAccessTokenValidator(AuthServerValidationOptions options, AuthorityMetadataSource metadata, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<AccessTokenResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return Fail(TokenFailure.Malformed, "not a compact JWS");
        }

        // RFC 9068 §4 and RFC 8725 §3.11: only a token that says it is an access token is one, so an ID token or
        // any other JWT from the same keys cannot be replayed here.
        if (!IsAccessTokenType(jwt.Typ))
        {
            return Fail(TokenFailure.WrongType, $"typ '{jwt.Typ}'");
        }

        // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return Fail(TokenFailure.Malformed, "crit header");
        }

        // RFC 8725 §3.1: the algorithm comes from our allow-list, never from the token alone (no none, no HS*).
        if (!options.AllowedAlgorithms.Contains(jwt.Alg))
        {
            return Fail(TokenFailure.AlgorithmNotAccepted, $"alg '{jwt.Alg}'");
        }

        // Keys come only from AuthServer's JWKS by kid; jku, x5u and jwk headers are ignored (RFC 8725 §3.10).
        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return Fail(TokenFailure.UnknownKey, "no kid");
        }

        var key = await metadata.FindKeyAsync(jwt.Kid, cancellationToken);
        if (key is null)
        {
            return Fail(TokenFailure.UnknownKey, $"kid '{jwt.Kid}' not in the JWKS");
        }

        if (!KeyFits(key, jwt.Alg))
        {
            return Fail(TokenFailure.AlgorithmNotAccepted, $"alg '{jwt.Alg}' is not the alg of key '{jwt.Kid}'");
        }

        var issuer = (await metadata.GetAsync(cancellationToken)).Issuer;
        var result = await Handler.ValidateTokenAsync(jwt, Parameters(key, issuer));
        if (!result.IsValid)
        {
            return Fail(Classify(result.Exception), result.Exception?.GetType().Name ?? "invalid");
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return AccessTokenResult.Success(TokenClaims.FromJson(payload.RootElement, issuer), AccessTokenResult.JwtFormat, jwt.Typ);
    }

    /// <summary>RFC 9068 §2.1: "at+jwt"; media types are case-insensitive and may carry the application/ prefix (RFC 7515 §4.1.9).</summary>
    internal static bool IsAccessTokenType(string? typ) =>
        string.Equals(typ, "at+jwt", StringComparison.OrdinalIgnoreCase)
        || string.Equals(typ, "application/at+jwt", StringComparison.OrdinalIgnoreCase);

    /// <summary>The header's alg must be the one the key was published for (RFC 7517 §4.4), and fit its type and curve.</summary>
    private static bool KeyFits(JsonWebKey key, string alg)
    {
        if (!string.IsNullOrEmpty(key.Alg) && !string.Equals(key.Alg, alg, StringComparison.Ordinal))
        {
            return false;
        }

        return alg switch
        {
            "ES256" => key.Kty == "EC" && key.Crv == "P-256",
            "ES384" => key.Kty == "EC" && key.Crv == "P-384",
            "ES512" => key.Kty == "EC" && key.Crv == "P-521",
            // The allow-list holds only ES*, RS* and PS*: the rest are RSA.
            _ => key.Kty == "RSA",
        };
    }

    private TokenValidationParameters Parameters(JsonWebKey key, string issuer) => new()
    {
        IssuerSigningKey = key,
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        ValidAlgorithms = options.AllowedAlgorithms,

        // RFC 9068 §4: iss exactly as discovery states it, aud containing this API.
        ValidIssuer = issuer,
        ValidAudience = options.Audience,
        IgnoreTrailingSlashWhenValidatingAudience = false,

        // Wilson's own lifetime check reads the system clock; the delegate reads ours. (Wilson calls the delegate
        // even when ValidateLifetime is false; here lifetime is always checked.)
        RequireExpirationTime = true,
        ValidateLifetime = true,
        LifetimeValidator = ValidateLifetime,
    };

    /// <summary>RFC 7519 §4.1.4–5 with the configured skew: exp required, now before exp, nbf not after now.</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var skew = options.ClockSkew;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("no exp");
        }

        if (notBefore is { } nbf && nbf > now + skew)
        {
            throw new SecurityTokenNotYetValidException("nbf is in the future") { NotBefore = nbf };
        }

        if (now >= exp + skew)
        {
            throw new SecurityTokenExpiredException("exp is past") { Expires = exp };
        }

        return true;
    }

    private static TokenFailure Classify(Exception? e) => e switch
    {
        SecurityTokenExpiredException => TokenFailure.Expired,
        SecurityTokenNotYetValidException => TokenFailure.NotYetValid,
        SecurityTokenInvalidAudienceException => TokenFailure.WrongAudience,
        SecurityTokenInvalidIssuerException => TokenFailure.WrongIssuer,
        SecurityTokenInvalidAlgorithmException => TokenFailure.AlgorithmNotAccepted,
        SecurityTokenInvalidSignatureException => TokenFailure.InvalidSignature,
        _ => TokenFailure.Malformed,
    };

    private static AccessTokenResult Fail(TokenFailure failure, string detail) =>
        AccessTokenResult.Fail(failure, detail, AccessTokenResult.JwtFormat);
}
