using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Validation;

/// <summary>One snapshot of what AuthServer publishes: discovery's issuer and endpoints, and its signing keys by kid.</summary>
internal sealed record AuthorityMetadata(
    string Issuer,
    Uri JwksUri,
    Uri? IntrospectionEndpoint,
    IReadOnlyDictionary<string, JsonWebKey> Keys,
    DateTimeOffset ExpiresAt);

/// <summary>Discovery or JWKS could not be fetched or made no sense; the detail is for the log only.</summary>
internal sealed class AuthorityMetadataException(string message) : Exception(message);
