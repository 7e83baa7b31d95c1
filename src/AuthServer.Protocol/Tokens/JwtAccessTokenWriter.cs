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
        var buffer = new ArrayBufferWriterStream();
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
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private sealed class ArrayBufferWriterStream : Stream
    {
        private byte[] _buffer = new byte[512];
        private int _length;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_length + buffer.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + buffer.Length));
            }

            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
