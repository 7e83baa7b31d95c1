namespace AuthServer.Protocol.Clients;

public interface IClientStore
{
    /// <summary>The enabled or disabled client with this id, or null when there is none.</summary>
    ValueTask<Client?> FindAsync(string clientId, CancellationToken cancellationToken);
}
