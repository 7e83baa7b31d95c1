using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Keys;

namespace AuthServer.Data.Import;

/// <summary>
/// The rules for the names and fields of APIs, scopes and claim types. The importer and the admin API and pages
/// both check with these, so a resource one accepts the other accepts too. Each returns the message, or null.
/// </summary>
public static class ResourceRules
{
    public const int DisplayNameMaxLength = 200;
    public const int DescriptionMaxLength = 1000;

    /// <summary>RFC 8707 §2: resource indicators are absolute URIs without a fragment.</summary>
    public static string? ApiNameError(string name) =>
        !Uri.TryCreate(name, UriKind.Absolute, out _) || name.Contains('#') || name.Contains(' ') || name.Length > 400
            ? "must be an absolute URI without a fragment, such as https://api.example.com/orders"
            : null;

    /// <summary>RFC 6749 §3.3: a scope token is printable ASCII without space, quote or backslash.</summary>
    public static string? ScopeNameError(string name) =>
        name.All(c => c >= 0x21 && c != 0x22 && c != 0x5C && c <= 0x7E) && name.Length <= 200
            ? null
            : "must be printable ASCII without spaces, quotes or backslashes";

    /// <summary>The OpenID Connect scopes are built in, and what they release is fixed.</summary>
    public static string? IdentityScopeError(string name) =>
        IdentityScopes.All.Contains(name)
            ? $"'{name}' is a built-in OpenID Connect scope; its claims are fixed (OpenID Connect Core §5.4)"
            : null;

    /// <summary>No stored claim may take a name the server asserts itself (an issuer, an audience, a lifetime).</summary>
    public static string? ClaimTypeNameError(string name)
    {
        if (StandardClaims.Reserved.Contains(name))
        {
            return $"'{name}' is asserted by the server itself and cannot come from the claims store";
        }

        return name.Length > 200 || name.Any(c => c <= 0x20 || c > 0x7E || c is '"' or '\\')
            ? "must be 1-200 printable ASCII characters without spaces, quotes or backslashes"
            : null;
    }

    public static string? SigningAlgorithmError(string? algorithm) =>
        algorithm is not null && !SigningAlgorithms.IsSupported(algorithm) ? "must be ES256 or RS256" : null;

    public static string? ValueTypeError(string? valueType) =>
        ClaimValueTypes.Parse(valueType) is null ? "must be 'string', 'boolean', 'integer' or 'json'" : null;

    public static string? MaxLengthError(string? value, int max) =>
        value?.Length > max ? $"must be at most {max} characters" : null;
}
