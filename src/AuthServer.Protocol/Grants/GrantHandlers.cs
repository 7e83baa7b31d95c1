using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;

namespace AuthServer.Protocol.Grants;

/// <summary>The registered grant handlers: the token endpoint dispatches on them and discovery lists them.</summary>
public sealed class GrantHandlers(IEnumerable<IGrantHandler> handlers, IAuditSink audit, TimeProvider time)
{
    private readonly Dictionary<string, IGrantHandler> _byName = handlers.ToDictionary(
        h => h.GrantType, h => (IGrantHandler)new ScopeDenialAudit(h, audit, time), StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _byName.Keys.Order(StringComparer.Ordinal).ToList();

    public IGrantHandler? Find(string grantType) => _byName.GetValueOrDefault(grantType);

    /// <summary>
    /// Every grant's invalid_scope refusal becomes a "scope.denied" audit event: a client asking for more than it
    /// is allowed is worth seeing (and counting), whichever grant it used.
    /// </summary>
    private sealed class ScopeDenialAudit(IGrantHandler inner, IAuditSink audit, TimeProvider time) : IGrantHandler
    {
        public string GrantType => inner.GrantType;

        public async Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.HandleAsync(client, parameters, cancellationToken);
            }
            catch (OAuthException e) when (e.Code == OAuthErrorCode.InvalidScope)
            {
                audit.Record(ScopeDenied(time, client.ClientId, GrantType, parameters.Get("scope")));
                throw;
            }
        }
    }

    /// <summary>The audit event of a refused scope request (token or authorization endpoint).</summary>
    public static AuditEvent ScopeDenied(TimeProvider time, string clientId, string grantType, string? requestedScope) =>
        new(time.GetUtcNow(), "scope.denied", "failure", clientId,
            Detail: $"grant={grantType} scope={(requestedScope is null ? "(default)" : ProtocolParameters.Printable(requestedScope))}");
}
