using AuthServer.Protocol.Tokens;

namespace AuthServer.Protocol.Authorization;

/// <summary>Issues an authorization code: 256 random bits, stored only by hash, bound to the validated request.</summary>
public sealed class AuthorizationCodeIssuer(IAuthorizationCodeStore codes, ProtocolSettings settings, TimeProvider time)
{
    public async Task<string> IssueAsync(
        AuthorizationRequest request, string subject, DateTimeOffset authTime, IReadOnlyList<string> amr, string? sessionId,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var code = OpaqueHandle.Create(now);
        await codes.AddAsync(new AuthorizationCode
        {
            Id = OpaqueHandle.Hash(code),
            ClientId = request.Client.ClientId,
            Subject = subject,
            RedirectUri = request.RedirectUri,
            Scopes = request.Scopes,
            Audiences = request.Audiences,
            CodeChallenge = request.CodeChallenge,
            Nonce = request.Nonce,
            AuthTime = authTime,
            Amr = amr.Count > 0 ? amr : ["pwd"],
            SessionId = sessionId,
            FamilyId = OpaqueHandle.NewId(now),
            IssuedAt = now,
            ExpiresAt = now + settings.AuthorizationCodeLifetime,
        }, cancellationToken);
        return code;
    }
}
