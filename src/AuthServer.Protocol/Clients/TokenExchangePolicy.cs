namespace AuthServer.Protocol.Clients;

/// <summary>
/// What a client may do with token exchange (RFC 8693). Without a policy a client cannot exchange tokens at all;
/// with one it may only reach the APIs listed, and only in the modes allowed.
/// </summary>
public sealed record TokenExchangePolicy
{
    /// <summary>RFC 8693 §2.1: the grant_type of a token exchange request.</summary>
    public const string GrantType = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>APIs (audiences) the client may obtain exchanged tokens for; anything else is invalid_target.</summary>
    public IReadOnlySet<string> Audiences { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// APIs whose tokens the client may present as subject_token: the APIs the client itself implements. A token
    /// issued to the client itself is always accepted; a token for any other audience is refused.
    /// </summary>
    public IReadOnlySet<string> SubjectAudiences { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Delegation (RFC 8693 §1.1): with an actor_token, the new token names the actor in its act claim.</summary>
    public bool AllowDelegation { get; init; }

    /// <summary>Impersonation (RFC 8693 §1.1): without an actor_token, the new token is indistinguishable from the subject's.</summary>
    public bool AllowImpersonation { get; init; }

    /// <summary>Whether an ID token (issued by this server to this client) is accepted as subject_token.</summary>
    public bool AllowIdTokenSubject { get; init; }

    /// <summary>The longest an exchanged token lives; it never outlives its subject token either.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromMinutes(5);
}
