namespace AuthServer.Data.Entities;

/// <summary>A used client assertion's jti (private_key_jwt), kept until the assertion expires (migration 0012).</summary>
public sealed class ClientAssertionJtiEntity
{
    public string ClientId { get; set; } = "";
    public string Jti { get; set; } = "";

    /// <summary>Unix seconds: after this the row may be pruned, and the jti would be refused anyway as expired.</summary>
    public long ExpiresAt { get; set; }
}
