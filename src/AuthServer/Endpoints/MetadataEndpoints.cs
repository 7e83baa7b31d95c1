using AuthServer.Protocol.Authorization;
using System.Text.Json;
using AuthServer.Protocol;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Keys;

namespace AuthServer.Endpoints;

/// <summary>Discovery (RFC 8414, OpenID Connect Discovery) and JWKS, served from bytes serialized once.</summary>
public sealed class MetadataEndpoints
{
    public const string OpenIdConfigurationPath = "/.well-known/openid-configuration";
    public const string OAuthMetadataPath = "/.well-known/oauth-authorization-server";
    public const string JwksPath = "/.well-known/jwks.json";

    // Metadata changes only with configuration.
    private const string MetadataCacheControl = "public, max-age=300";

    private readonly byte[] _metadata;
    private readonly ISigningKeyRingSource _keys;
    private readonly string _jwksCacheControl;

    public MetadataEndpoints(ProtocolSettings settings, GrantHandlers grants, ISigningKeyRingSource keys, KeyScheduleOptions schedule)
    {
        _keys = keys;
        _metadata = BuildMetadata(settings.Issuer, grants.Names);

        // Derived from the key schedule: a key is published for at least twice this long before it signs, so every
        // cache that honours it has the key before any token carries its kid.
        _jwksCacheControl = $"public, max-age={(long)schedule.JwksMaxAge.TotalSeconds}";
    }

    public Task WriteMetadataAsync(HttpContext http) => WriteAsync(http, _metadata, MetadataCacheControl);

    public Task WriteJwksAsync(HttpContext http) => WriteAsync(http, _keys.Current.JwksJson, _jwksCacheControl);

    private static async Task WriteAsync(HttpContext http, byte[] body, string cacheControl)
    {
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = cacheControl;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    /// <summary>Only what is implemented is advertised.</summary>
    private static byte[] BuildMetadata(string issuer, IReadOnlyList<string> grantTypes)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("issuer", issuer);
            w.WriteString("authorization_endpoint", issuer + AuthorizeEndpoint.Path);
            w.WriteString("token_endpoint", issuer + TokenEndpoint.Path);
            w.WriteString("userinfo_endpoint", issuer + UserInfoEndpoint.Path);
            w.WriteString("end_session_endpoint", issuer + EndSessionEndpoint.Path);
            w.WriteString("jwks_uri", issuer + JwksPath);
            w.WriteString("introspection_endpoint", issuer + IntrospectionEndpoint.Path);
            w.WriteString("revocation_endpoint", issuer + RevocationEndpoint.Path);
            Array(w, "grant_types_supported", grantTypes);

            Array(w, "response_types_supported", ["code"]);
            Array(w, "response_modes_supported", [ResponseModes.Query, ResponseModes.FormPost]);
            Array(w, "code_challenge_methods_supported", [Pkce.S256]);
            w.WriteBoolean("authorization_response_iss_parameter_supported", true);
            Array(w, "subject_types_supported", ["public"]);
            Array(w, "id_token_signing_alg_values_supported", [SigningAlgorithms.RS256, SigningAlgorithms.ES256]);
            Array(w, "scopes_supported", [IdentityScopes.OpenId, IdentityScopes.Profile, IdentityScopes.Email, IdentityScopes.OfflineAccess]);
            // The registered ID token claims, and the standard claims the profile and email scopes can release (values
            // come from the claims store). Claim types an admin adds are named by the scopes that release them.
            Array(w, "claims_supported",
                ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid",
                 .. Protocol.Claims.StandardClaims.ByIdentityScope.Values.SelectMany(c => c)]);
            Array(w, "prompt_values_supported", ["none", "login", "consent", "select_account"]);
            w.WriteBoolean("claims_parameter_supported", false);
            w.WriteBoolean("request_parameter_supported", false);
            w.WriteBoolean("request_uri_parameter_supported", false);

            // Public clients (no secret) redeem codes with PKCE alone.
            Array(w, "token_endpoint_auth_methods_supported", [.. ClientAuthenticationMethods.Supported, ClientAuthenticationMethods.None]);
            Array(w, "introspection_endpoint_auth_methods_supported", ClientAuthenticationMethods.Supported);

            // RFC 8414 §2: the algorithms private_key_jwt assertions may be signed with, at each endpoint that takes them.
            Array(w, "token_endpoint_auth_signing_alg_values_supported", ClientJwks.Algorithms);
            Array(w, "introspection_endpoint_auth_signing_alg_values_supported", ClientJwks.Algorithms);
            Array(w, "revocation_endpoint_auth_signing_alg_values_supported", ClientJwks.Algorithms);

            // RFC 9701 §7: JWT introspection responses are signed with RS256.
            Array(w, "introspection_signing_alg_values_supported", [Protocol.Introspection.IntrospectionResponse.JwtResponseAlgorithm]);
            Array(w, "revocation_endpoint_auth_methods_supported",
                [.. ClientAuthenticationMethods.Supported, ClientAuthenticationMethods.None]);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Array(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
