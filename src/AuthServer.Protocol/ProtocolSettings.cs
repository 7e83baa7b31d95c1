namespace AuthServer.Protocol;

/// <summary>Settings the engine needs from the host.</summary>
/// <param name="Issuer">The issuer identifier, exactly as it appears in tokens and metadata.</param>
public sealed record ProtocolSettings(string Issuer)
{
    /// <summary>How long an authorization code may wait to be redeemed (RFC 9700 §4.1.3 wants it short).</summary>
    public TimeSpan AuthorizationCodeLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after a refresh token was exchanged a second use of it still gets the same successor (two requests
    /// of one client racing), instead of being treated as theft.
    /// </summary>
    public TimeSpan RefreshTokenReuseGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The audience of an access token granted only identity scopes: it is good for userinfo alone.</summary>
    public string UserInfoAudience => Issuer + "/connect/userinfo";

    /// <summary>The token endpoint's URL: also an audience a client assertion may name (RFC 7523 §3, OpenID Connect Core §9).</summary>
    public string TokenEndpoint => Issuer + "/connect/token";
}
