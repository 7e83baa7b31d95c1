namespace AuthServer.Protocol.Users;

/// <summary>What the engine may say about a person (until the claims store takes over the claims).</summary>
public sealed record UserProfile(string Subject, string UserName, string? Email, bool EmailVerified, bool CanSignIn);

public interface IUserDirectory
{
    ValueTask<UserProfile?> FindAsync(string subject, CancellationToken cancellationToken);
}
