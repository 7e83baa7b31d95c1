namespace AuthServer.Protocol.Authorization;

/// <summary>The scopes a user has approved for a client, remembered until the user takes them back.</summary>
public sealed record Consent(string ClientId, IReadOnlySet<string> Scopes, DateTimeOffset GrantedAt);

public interface IConsentStore
{
    Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="scopes"/> to what the user approved for the client.</summary>
    Task GrantAsync(string subject, string clientId, IEnumerable<string> scopes, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> RevokeAsync(string subject, string clientId, CancellationToken cancellationToken);
}
