using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Keys;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Protocol.Tokens;

/// <summary>What an ID token states about one sign-in (OpenID Connect Core §2).</summary>
/// <param name="Claims">The store's claims its identity scopes release, never the sensitive ones.</param>
public sealed record IdTokenContent(
    string Subject,
    IReadOnlyList<ResolvedClaim> Claims,
    Client Client,
    IReadOnlyList<string> Scopes,
    DateTimeOffset AuthTime,
    IReadOnlyList<string> Amr,
    string? Nonce,
    string? SessionId,
    string AccessToken);

/// <summary>Writes ID tokens, signed with the client's algorithm (RS256 unless it registered ES256).</summary>
public sealed class IdTokenWriter(ProtocolSettings settings, ISigningKeyRingSource keys, TimeProvider time)
{
    /// <summary>Plain "JWT": an ID token must never be accepted where an access token (at+jwt) is expected.</summary>
    public const string TokenType = "JWT";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>The acr values AuthServer asserts: a password alone, or a password and a second factor.</summary>
    public const string AcrPassword = "urn:authserver:loa:pwd";
    public const string AcrMfa = "urn:authserver:loa:mfa";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private static readonly Dictionary<string, object> Header = new() { [JwtHeaderParameterNames.Typ] = TokenType };

    public string Write(IdTokenContent content)
    {
        var key = keys.Current.ActiveFor(content.Client.IdTokenSigningAlgorithm)
            ?? throw new OAuthException(OAuthErrorCode.ServerError, "The server cannot sign tokens right now.",
                $"no active {content.Client.IdTokenSigningAlgorithm} signing key");
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("iss", settings.Issuer);
            w.WriteString("sub", content.Subject);
            w.WriteString("aud", content.Client.ClientId);
            w.WriteString("azp", content.Client.ClientId);
            w.WriteNumber("exp", (now + Lifetime).ToUnixTimeSeconds());
            w.WriteNumber("iat", now.ToUnixTimeSeconds());
            w.WriteNumber("auth_time", content.AuthTime.ToUnixTimeSeconds());
            if (content.Nonce is not null)
            {
                w.WriteString("nonce", content.Nonce);
            }

            w.WriteString("acr", content.Amr.Contains("mfa") ? AcrMfa : AcrPassword);
            w.WriteStartArray("amr");
            foreach (var method in content.Amr)
            {
                w.WriteStringValue(method);
            }

            w.WriteEndArray();

            // Core §3.1.3.6: the left half of the hash of the access token, for the signing algorithm's hash (SHA-256).
            w.WriteString("at_hash", AtHash(content.AccessToken));
            if (content.SessionId is not null)
            {
                w.WriteString("sid", content.SessionId);
            }

            ClaimsResolver.WriteMembers(w, content.Claims.Where(c => !c.Type.Sensitive));
            w.WriteEndObject();
        }

        return Handler.CreateToken(Encoding.UTF8.GetString(buffer.WrittenSpan), key.Credentials, Header);
    }

    public static string AtHash(string accessToken)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(accessToken), digest);
        return Base64Url.EncodeToString(digest[..16]);
    }
}
