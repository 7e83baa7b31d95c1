using System.Text.Json;
using AuthServer.Protocol.Errors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Protocol.Clients;

/// <summary>A client assertion as read before any check: the JWT and the client it claims to come from.</summary>
public sealed record ClientAssertion(JsonWebToken Jwt, JsonElement Payload, string ClientId);

/// <summary>
/// Checks a private_key_jwt client assertion (RFC 7523 §3, RFC 7521 §4.2, OpenID Connect Core §9): signed with one of
/// the client's registered keys by an asymmetric algorithm that key is made for; iss and sub are the client; aud is
/// this server; short-lived; its jti used once. Every failure is invalid_client with a log-only detail that never
/// holds the assertion itself.
/// </summary>
public sealed class ClientAssertionValidator(ProtocolSettings settings, IClientAssertionReplayStore replay, TimeProvider time)
{
    /// <summary>How far the client's clock may be off ours, for exp, nbf and iat.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An assertion may expire at most this far ahead. It is made for one request and its jti is used once, so the
    /// bound only limits how long a jti is remembered; one hour is the default lifetime of common client libraries
    /// (Authlib signs with exp = iat + 3600), which a tighter bound would lock out.
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>The typ of an explicitly typed client assertion (draft-ietf-oauth-rfc7523bis).</summary>
    public const string ExplicitType = "client-authentication+jwt";

    public const int MaxLength = 8192;
    public const int MaxJtiLength = 200;
    public const int MaxClientIdLength = 200;

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>
    /// Reads the assertion without trusting it, to learn which client's keys must verify it: iss and sub must both be
    /// that client's id (RFC 7523 §3 items 1 and 2: for client authentication the subject is the client).
    /// </summary>
    public static ClientAssertion Read(string assertion)
    {
        if (assertion.Length > MaxLength)
        {
            throw OAuthException.InvalidClient("client_assertion is longer than " + MaxLength + " characters");
        }

        // Compact JWS only (three parts): an encrypted JWT (five) is not accepted.
        if (assertion.Count(c => c == '.') != 2)
        {
            throw OAuthException.InvalidClient("client_assertion is not a compact JWS");
        }

        JsonWebToken jwt;
        JsonElement payload;
        try
        {
            jwt = Handler.ReadJsonWebToken(assertion);
            using var doc = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
            payload = doc.RootElement.Clone();
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException or JsonException or FormatException)
        {
            throw OAuthException.InvalidClient("client_assertion is not a well-formed JWT");
        }

        var iss = Text(payload, "iss");
        var sub = Text(payload, "sub");
        if (string.IsNullOrEmpty(iss) || string.IsNullOrEmpty(sub))
        {
            throw OAuthException.InvalidClient("client_assertion lacks iss or sub");
        }

        // No registered client_id is longer (ImportValidator), so a longer one is not looked up.
        if (sub.Length > MaxClientIdLength)
        {
            throw OAuthException.InvalidClient("client_assertion sub is longer than any client_id");
        }

        if (!string.Equals(iss, sub, StringComparison.Ordinal))
        {
            throw OAuthException.InvalidClient("client_assertion iss and sub differ; both must be the client_id");
        }

        return new ClientAssertion(jwt, payload, sub);
    }

    /// <summary>Checks the assertion against the client it names; returns normally only when every rule holds.</summary>
    public async Task ValidateAsync(Client client, ClientAssertion assertion, CancellationToken cancellationToken)
    {
        if (client.SigningKeys.Count == 0)
        {
            throw OAuthException.InvalidClient("the client has no registered keys, so it cannot use private_key_jwt");
        }

        var jwt = assertion.Jwt;
        CheckHeader(jwt);
        await VerifySignatureAsync(client, jwt);
        CheckAudience(assertion.Payload, jwt.Typ);
        var expiresAt = CheckTimes(assertion.Payload);

        // RFC 7523 §3 item 7: jti lets the server refuse a replay; here it is required and used once until the assertion expires.
        var jti = Text(assertion.Payload, "jti");
        if (string.IsNullOrEmpty(jti) || jti.Length > MaxJtiLength)
        {
            throw OAuthException.InvalidClient($"client_assertion needs a jti of 1 to {MaxJtiLength} characters");
        }

        if (!await replay.TryUseAsync(client.ClientId, jti, expiresAt + ClockSkew, time.GetUtcNow(), cancellationToken))
        {
            throw OAuthException.InvalidClient("client_assertion jti was already used (replay)");
        }
    }

    private static void CheckHeader(JsonWebToken jwt)
    {
        // Asymmetric algorithms only: never "none", never HMAC (the server holds no shared secret to verify with).
        if (!ClientJwks.Algorithms.Contains(jwt.Alg))
        {
            throw OAuthException.InvalidClient($"client_assertion alg '{Printable(jwt.Alg)}' is not accepted");
        }

        // RFC 7515 §4.1.11: an extension we do not understand must make the JWS invalid.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            throw OAuthException.InvalidClient("client_assertion has a crit header");
        }

        // RFC 7515 §4.1.9: compared ignoring case, with an optional "application/" prefix.
        var typ = jwt.Typ;
        if (!string.IsNullOrEmpty(typ))
        {
            var type = typ.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? typ["application/".Length..] : typ;
            if (!type.Equals("JWT", StringComparison.OrdinalIgnoreCase) && !type.Equals(ExplicitType, StringComparison.OrdinalIgnoreCase))
            {
                throw OAuthException.InvalidClient($"client_assertion typ '{Printable(typ)}' is not JWT or {ExplicitType}");
            }
        }
    }

    /// <summary>With a key the header's kid names (or any, without one) whose type and curve are made for the header's alg.</summary>
    private static async Task VerifySignatureAsync(Client client, JsonWebToken jwt)
    {
        var kid = string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid;
        var named = kid is null ? client.SigningKeys : client.SigningKeys.Where(k => k.Kid == kid).ToArray();
        if (named.Count == 0)
        {
            throw OAuthException.InvalidClient($"no registered key has kid '{Printable(kid)}'");
        }

        // No algorithm confusion: an RSA key never verifies ES256, a P-256 key never ES384, a key registered with an
        // alg only that alg.
        var candidates = named.Where(k => k.Algorithms.Contains(jwt.Alg)).Select(k => k.Key).ToArray();
        if (candidates.Length == 0)
        {
            throw OAuthException.InvalidClient($"no registered key{(kid is null ? "" : $" with kid '{Printable(kid)}'")} is made for alg {jwt.Alg}");
        }

        // Only the signature is the library's to check; issuer, audience and times are checked below, on our clock.
        var result = await Handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            IssuerSigningKeys = candidates,
            TryAllIssuerSigningKeys = true,
            ValidAlgorithms = [jwt.Alg],
            RequireSignedTokens = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        });
        if (!result.IsValid)
        {
            throw OAuthException.InvalidClient("client_assertion signature does not verify with the client's registered keys");
        }
    }

    /// <summary>
    /// RFC 7523 §3 item 3 wants aud to identify this server; draft-ietf-oauth-rfc7523bis narrows that to the issuer
    /// identifier. An explicitly typed assertion must name exactly the issuer, as one string. An untyped one may name
    /// the issuer or the token endpoint URL (OpenID Connect Core §9's SHOULD, kept for existing clients), at every
    /// endpoint; every value it names must be one of these two, so an assertion made for another party too is refused.
    /// </summary>
    private void CheckAudience(JsonElement payload, string? typ)
    {
        if (!payload.TryGetProperty("aud", out var aud))
        {
            throw OAuthException.InvalidClient("client_assertion has no aud");
        }

        var isExplicit = typ is not null && typ.EndsWith(ExplicitType, StringComparison.OrdinalIgnoreCase);
        if (isExplicit)
        {
            if (aud.ValueKind != JsonValueKind.String || aud.GetString() != settings.Issuer)
            {
                throw OAuthException.InvalidClient($"a {ExplicitType} assertion must have the issuer identifier as its only aud");
            }

            return;
        }

        string?[] values = aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()],
            JsonValueKind.Array => aud.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : null).ToArray(),
            _ => [],
        };
        if (values.Length == 0 || values.Any(v => v != settings.Issuer && v != settings.TokenEndpoint))
        {
            throw OAuthException.InvalidClient("client_assertion aud must be this server's issuer identifier or token endpoint URL, and nothing else");
        }
    }

    /// <summary>exp required, not past and not far ahead; nbf and iat, when present, not in the future. Returns exp.</summary>
    private DateTimeOffset CheckTimes(JsonElement payload)
    {
        var now = time.GetUtcNow();
        if (NumericDate(payload, "exp") is not { } exp)
        {
            throw OAuthException.InvalidClient("client_assertion has no valid exp");
        }

        if (exp <= now - ClockSkew)
        {
            throw OAuthException.InvalidClient("client_assertion has expired");
        }

        if (exp > now + MaxLifetime + ClockSkew)
        {
            throw OAuthException.InvalidClient($"client_assertion expires more than {MaxLifetime.TotalMinutes} minutes ahead");
        }

        if (payload.TryGetProperty("nbf", out _) && (NumericDate(payload, "nbf") is not { } nbf || nbf > now + ClockSkew))
        {
            throw OAuthException.InvalidClient("client_assertion is not valid yet (nbf)");
        }

        if (payload.TryGetProperty("iat", out _) && (NumericDate(payload, "iat") is not { } iat || iat > now + ClockSkew))
        {
            throw OAuthException.InvalidClient("client_assertion was issued in the future (iat)");
        }

        return exp;
    }

    /// <summary>RFC 7519 §2: seconds since the epoch, possibly with a fraction; null when absent or not a sane number.</summary>
    private static DateTimeOffset? NumericDate(JsonElement payload, string name)
    {
        if (!payload.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds) || seconds is < 0 or > 253_402_300_799)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
    }

    private static string? Text(JsonElement payload, string name) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private static string Printable(string? value) => Requests.ProtocolParameters.Printable(value ?? "");
}
