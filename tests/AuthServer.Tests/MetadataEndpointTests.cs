using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public abstract class MetadataEndpointTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Discovery_AdvertisesTheIssuerExactlyAndOnlyWhatIsImplemented(string path)
    {
        using var response = await Server.Http.GetAsync(path);
        var json = await ProtocolAssert.OkJsonAsync(response);

        Assert.Equal(Server.Issuer, json.GetProperty("issuer").GetString());
        Assert.Equal(Server.Issuer + "/connect/token", json.GetProperty("token_endpoint").GetString());
        Assert.Equal(Server.Issuer + "/connect/introspect", json.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(Server.Issuer + "/connect/revoke", json.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(Server.Issuer + "/.well-known/jwks.json", json.GetProperty("jwks_uri").GetString());
        Assert.Equal(Server.Issuer + "/connect/authorize", json.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"],
            Strings(json, "grant_types_supported"));
        Assert.Equal(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"], Strings(json, "token_endpoint_auth_methods_supported"));
        Assert.Equal(["client_secret_basic", "client_secret_post", "private_key_jwt"], Strings(json, "introspection_endpoint_auth_methods_supported"));
        Assert.Equal(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"], Strings(json, "revocation_endpoint_auth_methods_supported"));
        foreach (var endpoint in new[] { "token", "introspection", "revocation" })
        {
            // Asymmetric only: never none, never HMAC.
            Assert.Equal(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
                Strings(json, $"{endpoint}_endpoint_auth_signing_alg_values_supported"));
        }

        Assert.Equal(["code"], Strings(json, "response_types_supported"));
        Assert.Equal(["query", "form_post"], Strings(json, "response_modes_supported"));
        Assert.Equal(["S256"], Strings(json, "code_challenge_methods_supported"));
        Assert.Equal(["RS256", "ES256"], Strings(json, "id_token_signing_alg_values_supported"));
        Assert.Equal(["public"], Strings(json, "subject_types_supported"));
        Assert.True(json.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.False(json.GetProperty("request_uri_parameter_supported").GetBoolean());
        Assert.Contains("offline_access", Strings(json, "scopes_supported"));
        Assert.Superset(new HashSet<string?> { "sub", "given_name", "preferred_username", "email_verified" }, Strings(json, "claims_supported").ToHashSet());

        Assert.Equal(Server.Issuer + "/connect/userinfo", json.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(Server.Issuer + "/connect/endsession", json.GetProperty("end_session_endpoint").GetString());
        Assert.NotNull(response.Headers.CacheControl?.MaxAge);
    }

    [Fact]
    public async Task Discovery_BothDocumentsAreIdentical()
    {
        Assert.Equal(
            await Server.Http.GetStringAsync("/.well-known/openid-configuration"),
            await Server.Http.GetStringAsync("/.well-known/oauth-authorization-server"));
    }

    [Fact]
    public async Task Jwks_PublishesOnlyPublicPartsOfAnEs256AndAnRs256Key()
    {
        using var response = await Server.Http.GetAsync("/.well-known/jwks.json");
        var json = await ProtocolAssert.OkJsonAsync(response);

        Assert.True(response.Headers.CacheControl?.Public);
        Assert.True(response.Headers.CacheControl?.MaxAge > TimeSpan.Zero);
        var keys = json.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["ES256", "RS256"], keys.Select(k => k.GetProperty("alg").GetString()).Order());
        foreach (var key in keys)
        {
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
            var names = key.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.Empty(names.Intersect(["d", "p", "q", "dp", "dq", "qi", "k", "oth"]));
            Assert.Equal(key.GetProperty("alg").GetString() == "ES256" ? "EC" : "RSA", key.GetProperty("kty").GetString());
        }
    }

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        using var response = await Server.Http.GetAsync("/.well-known/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static List<string?> Strings(JsonElement json, string name) =>
        json.GetProperty(name).EnumerateArray().Select(e => e.GetString()).ToList();
}

public sealed class SqliteMetadataEndpointTests(SqliteServerFixture fixture) : MetadataEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresMetadataEndpointTests(PostgresServerFixture fixture) : MetadataEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
