using AuthServer.Protocol.Keys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Tokens;

/// <summary>Validates JWTs this server issued: our keys, our issuer, the expected typ, ES256/RS256 only.</summary>
public sealed class JwtAccessTokenReader(ProtocolSettings settings, ISigningKeyRingSource keys, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>True when the value has the compact JWS shape (three dot-separated parts).</summary>
    public static bool LooksLikeJwt(string value) => value.Count(c => c == '.') == 2;

    /// <summary>Returns the jti of a valid token, or null for anything that is not one.</summary>
    /// <param name="checkLifetime">False when an expired token is still of interest (revocation).</param>
    public async ValueTask<string?> ValidateAsync(string token, bool checkLifetime)
    {
        var result = await ValidateOwnAsync(token, JwtAccessTokenWriter.TokenType, checkLifetime);
        return result is not null && result.Claims.TryGetValue("jti", out var jti) && jti is string id ? id : null;
    }

    /// <summary>
    /// An ID token this server issued, used as id_token_hint (OpenID Connect RP-Initiated Logout §2): the signature
    /// must verify, but it may have expired. Returns its subject and audience, or null.
    /// </summary>
    public async ValueTask<(string Subject, string Audience)?> ValidateIdTokenHintAsync(string token)
    {
        var result = await ValidateOwnAsync(token, IdTokenWriter.TokenType, checkLifetime: false);
        return result is not null
            && result.Claims.TryGetValue("sub", out var sub) && sub is string subject
            && result.Claims.TryGetValue("aud", out var aud) && aud is string audience
            ? (subject, audience)
            : null;
    }

    /// <summary>A current (unexpired) ID token this server issued: its subject, audience and expiry, or null.</summary>
    public async ValueTask<(string Subject, string Audience, DateTimeOffset ExpiresAt)?> ValidateIdTokenAsync(string token)
    {
        var result = await ValidateOwnAsync(token, IdTokenWriter.TokenType, checkLifetime: true);
        return result is not null
            && result.Claims.TryGetValue("sub", out var sub) && sub is string subject
            && result.Claims.TryGetValue("aud", out var aud) && aud is string audience
            && result.SecurityToken is JsonWebToken jwt
            ? (subject, audience, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero))
            : null;
    }

    private async ValueTask<TokenValidationResult?> ValidateOwnAsync(string token, string type, bool checkLifetime)
    {
        if (token.Length > 8192 || !LooksLikeJwt(token))
        {
            return null;
        }

        var ring = keys.Current;
        JsonWebToken jwt;
        try
        {
            jwt = Handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return null;
        }

        // The header's alg must be the alg the key was made for: no algorithm confusion.
        if (!SigningAlgorithms.IsSupported(jwt.Alg) || ring.AlgorithmOf(jwt.Kid) != jwt.Alg)
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidateAudience = false,
            ValidTypes = [type],
            ValidAlgorithms = SigningAlgorithms.All,
            IssuerSigningKey = ring.FindPublished(jwt.Kid),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = checkLifetime,
        };

        // Wilson calls a lifetime delegate even when ValidateLifetime is false, so set it only when it applies.
        if (checkLifetime)
        {
            parameters.LifetimeValidator = (notBefore, expires, _, _) =>
                // ID tokens carry no nbf (OpenID Connect Core §2); our access tokens always do.
                (notBefore is null || notBefore <= now) && expires is { } exp && now < exp;
        }

        var result = await Handler.ValidateTokenAsync(jwt, parameters);
        return result.IsValid ? result : null;
    }
}
