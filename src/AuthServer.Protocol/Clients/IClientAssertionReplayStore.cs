namespace AuthServer.Protocol.Clients;

/// <summary>
/// The jti values of client assertions already used (RFC 7523 §3 item 7), shared by every node, so an assertion
/// authenticates exactly once.
/// </summary>
public interface IClientAssertionReplayStore
{
    /// <summary>
    /// Records the jti as used until <paramref name="expiresAt"/>, atomically: true for exactly one of several requests
    /// with the same client and jti; false when it was already used and has not yet expired.
    /// </summary>
    Task<bool> TryUseAsync(string clientId, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken);
}
