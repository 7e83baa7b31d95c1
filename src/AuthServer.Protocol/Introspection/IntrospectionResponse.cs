using System.Buffers;
using System.Text;
using System.Text.Json;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Protocol.Introspection;

/// <summary>
/// The three shapes of an introspection answer: RFC 7662 JSON, the RFC 9701 signed JWT response, and the phantom
/// token (the RFC 9068 JWT equivalent of an opaque token, for a gateway to pass to its API).
/// </summary>
public sealed class IntrospectionResponse(ProtocolSettings settings, ISigningKeyRingSource keys, JwtAccessTokenWriter accessTokens, TimeProvider time)
{
    /// <summary>RFC 9701 §5: the typ of a JWT introspection response, so it can never pass for an access token.</summary>
    public const string JwtResponseType = "token-introspection+jwt";

    /// <summary>RFC 9701 §6: the default algorithm of introspection responses, RS256.</summary>
    public const string JwtResponseAlgorithm = SigningAlgorithms.RS256;

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private static readonly Dictionary<string, object> Header = new() { [JwtHeaderParameterNames.Typ] = JwtResponseType };

    /// <summary>
    /// RFC 7662 §2.2 members of an answer about <paramref name="token"/> (null: inactive, so "active": false alone).
    /// Claims from the store are those released for the caller's APIs among the token's audiences.
    /// </summary>
    public void WriteMembers(Utf8JsonWriter w, TokenRecord? token, IReadOnlySet<string> callerApis)
    {
        w.WriteBoolean("active", token is not null);
        if (token is null)
        {
            return;
        }

        w.WriteString("scope", string.Join(' ', token.Scopes));
        w.WriteString("client_id", token.ClientId);
        w.WriteString("sub", token.Subject);
        AudienceJson.Write(w, token.Audiences);
        w.WriteString("iss", settings.Issuer);
        w.WriteNumber("exp", token.ExpiresAt.ToUnixTimeSeconds());
        w.WriteNumber("iat", token.IssuedAt.ToUnixTimeSeconds());
        w.WriteNumber("nbf", token.IssuedAt.ToUnixTimeSeconds());
        w.WriteString("token_type", "Bearer");
        w.WriteString("jti", token.Jti);
        token.Claims?.WriteMembers(w, token.Audiences.Where(callerApis.Contains));
    }

    /// <summary>RFC 9701 §5: a JWT whose token_introspection claim holds the RFC 7662 answer, for the calling client.</summary>
    public string WriteJwtResponse(string callerClientId, TokenRecord? token, IReadOnlySet<string> callerApis)
    {
        var key = keys.Current.ActiveFor(JwtResponseAlgorithm)
            ?? throw new OAuthException(OAuthErrorCode.ServerError, "The server cannot sign responses right now.",
                $"no active {JwtResponseAlgorithm} signing key");
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("iss", settings.Issuer);
            w.WriteString("aud", callerClientId);
            w.WriteNumber("iat", time.GetUtcNow().ToUnixTimeSeconds());

            // The token's own claims stay inside token_introspection: sub, exp or scope at the top level would let
            // the response be mistaken for an access token (RFC 9701 §5, §8.1).
            w.WriteStartObject("token_introspection");
            WriteMembers(w, token, callerApis);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Handler.CreateToken(Encoding.UTF8.GetString(buffer.WrittenSpan), key.Credentials, Header);
    }

    /// <summary>
    /// The phantom token: an RFC 9068 access token with the opaque token's subject, client, scopes, lifetime and store
    /// claims, for the caller's APIs only, signed with the active key of the algorithm those APIs accept.
    /// </summary>
    public string WritePhantom(TokenRecord token, IReadOnlySet<string> callerApis, Resources.ResourceCatalog catalog)
    {
        var audiences = token.Audiences.Where(callerApis.Contains).ToList();
        return accessTokens.Write(token with { Audiences = audiences }, catalog.SigningAlgorithmFor(audiences));
    }
}
