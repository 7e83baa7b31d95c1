using System.Buffers;
using System.Text;
using System.Text.Json;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Keys;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Protocol.Tokens;

/// <summary>Writes RFC 9068 JWT access tokens.</summary>
public sealed class JwtAccessTokenWriter(ProtocolSettings settings, ISigningKeyRingSource keys)
{
    /// <summary>RFC 9068 §2.1: the typ header of a JWT access token.</summary>
    public const string TokenType = "at+jwt";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private static readonly Dictionary<string, object> Header = new() { [JwtHeaderParameterNames.Typ] = TokenType };

    public string Write(TokenRecord token, string signingAlgorithm)
    {
        var key = keys.Current.ActiveFor(signingAlgorithm)
            ?? throw new OAuthException(OAuthErrorCode.ServerError, "The server cannot sign tokens right now.",
                $"no active {signingAlgorithm} signing key");
        return Handler.CreateToken(Payload(token), key.Credentials, Header);
    }

    // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti are required; scope per §2.2.3.
    private string Payload(TokenRecord token)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("iss", settings.Issuer);
            w.WriteString("sub", token.Subject);
            AudienceJson.Write(w, token.Audiences);

            w.WriteNumber("exp", token.ExpiresAt.ToUnixTimeSeconds());
            w.WriteNumber("iat", token.IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("nbf", token.IssuedAt.ToUnixTimeSeconds());
            w.WriteString("jti", token.Jti);
            w.WriteString("client_id", token.ClientId);
            w.WriteString("scope", string.Join(' ', token.Scopes));

            // RFC 9068 §2.2.3.1 allows further claims: only the claims store's, released for these audiences, and act.
            token.Claims?.WriteMembers(w, token.Audiences);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
