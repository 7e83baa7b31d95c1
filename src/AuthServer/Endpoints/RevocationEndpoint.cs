using AuthServer.Http;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Revocation;

namespace AuthServer.Endpoints;

/// <summary>POST /connect/revoke (RFC 7009).</summary>
public static class RevocationEndpoint
{
    public const string Path = "/connect/revoke";

    public static async Task HandleAsync(
        HttpContext http, ClientAuthenticator clients, TokenRevoker revoker, IAuditSink audit, TimeProvider time, AuthServerMetrics metrics)
    {
        var parameters = await ProtocolForm.ReadAsync(http.Request);

        // RFC 7009 §2.1: confidential clients authenticate; public clients identify themselves.
        var (client, _) = await clients.AuthenticateAsync(
            ClientCredentialsReader.From(http.Request, parameters), allowPublic: true, http.RequestAborted);

        var token = parameters.Require("token");

        // token_type_hint only speeds up the search (§2.1); we look in every place regardless.
        var revoked = await revoker.RevokeAsync(client, token, http.RequestAborted);
        if (revoked is not null)
        {
            await audit.RecordDurablyAsync(new AuditEvent(time.GetUtcNow(), "token.revoked", "success", client.ClientId, revoked.Subject,
                Target: string.Join(' ', revoked.Audiences), Detail: $"jti={revoked.Jti} by=client"), http.RequestAborted);
        }

        metrics.Revoked(client.ClientId, revoked is not null);

        // §2.2: 200 whether or not anything was revoked.
        http.Response.StatusCode = StatusCodes.Status200OK;
        ProtocolResults.NoStore(http.Response);
    }
}
