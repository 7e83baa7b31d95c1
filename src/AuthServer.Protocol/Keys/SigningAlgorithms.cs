namespace AuthServer.Protocol.Keys;

/// <summary>The JWS algorithms this server signs with. Never "none", never HMAC.</summary>
public static class SigningAlgorithms
{
    public const string ES256 = "ES256";
    public const string RS256 = "RS256";

    public const string Default = ES256;

    public static readonly IReadOnlyList<string> All = [ES256, RS256];

    public static bool IsSupported(string? alg) => alg is ES256 or RS256;
}
