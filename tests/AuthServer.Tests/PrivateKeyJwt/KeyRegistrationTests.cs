using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Data;
using AuthServer.Data.Import;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.PrivateKeyJwt.ClientAssertions;

namespace AuthServer.Tests.PrivateKeyJwt;

/// <summary>
/// Registering a client's keys: the import file and the admin API and pages accept inline public keys only, and refuse a
/// URL to fetch them from, a private key, a weak key and a repeated kid, each with a message that says what to fix.
/// </summary>
public abstract class KeyRegistrationTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    public static TheoryData<string, string, string> BadKeys => new()
    {
        { "jwks-uri", "$.clients[0].jwksUri", "never fetched from a URL" },
        { "jwks_uri", "$.clients[0].jwks_uri", "never fetched from a URL" },
        { "private-rsa", "$.clients[0].jwks.keys[0].d", "private key" },
        { "private-ec", "$.clients[0].jwks.keys[0].d", "private key" },
        { "rsa-1024", "$.clients[0].jwks.keys[0].n", "1024 bits" },
        { "duplicate-kid", "$.clients[0].jwks.keys[1].kid", "unique" },
        { "use-enc", "$.clients[0].jwks.keys[0].use", "\"sig\"" },
        { "oct", "$.clients[0].jwks.keys[0].kty", "symmetric" },
        { "bad-curve", "$.clients[0].jwks.keys[0].crv", "P-256" },
        { "alg-mismatch", "$.clients[0].jwks.keys[0].alg", "RS256" },
        { "not-a-set", "$.clients[0].jwks", "JWK Set" },
        { "even-exponent", "$.clients[0].jwks.keys[0].e", "odd public exponent" },
        { "ec-off-curve", "$.clients[0].jwks.keys[0]", "not a point on the curve" },
        { "too-many", "$.clients[0].jwks.keys", "1 to 10 keys" },
        { "public-client", "$.clients[0].jwks", "public client" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task Import_BadKeyRegistration_IsRefusedWithItsPathAndChangesNothing(string kind, string path, string message)
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        using var rsa = RSA.Create(2048);
        using var small = RSA.Create(1024);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privateRsa = rsa.ExportParameters(true);
        var type = "confidential";
        var member = kind switch
        {
            "jwks-uri" => "\"jwksUri\": \"https://keys.example.test/jwks.json\"",
            "jwks_uri" => "\"jwks_uri\": \"http://169.254.169.254/latest/meta-data\"",
            "private-rsa" => Keys(RsaJwk(rsa, "k1", $", \"d\": \"{B64(privateRsa.D!)}\", \"p\": \"{B64(privateRsa.P!)}\"")),
            "private-ec" => Keys(EcJwk(ec, "k1", $", \"d\": \"{B64(ec.ExportParameters(true).D!)}\"")),
            "rsa-1024" => Keys(RsaJwk(small, "k1")),
            "duplicate-kid" => Keys(RsaJwk(rsa, "same"), EcJwk(ec, "same")),
            "use-enc" => Keys(RsaJwk(rsa, "k1").Replace("\"sig\"", "\"enc\"")),
            "oct" => Keys("{ \"kty\": \"oct\" }"),
            "bad-curve" => Keys(EcJwk(ec, "k1").Replace("P-256", "secp256k1")),
            "alg-mismatch" => Keys(RsaJwk(rsa, "k1", ", \"alg\": \"ES256\"")),
            "not-a-set" => $"\"jwks\": [{RsaJwk(rsa, "k1")}]",
            "even-exponent" => Keys(RsaJwk(rsa, "k1").Replace("\"AQAB\"", "\"AQAA\"")),
            "ec-off-curve" => Keys(EcJwk(ec, "k1").Replace(B64(ec.ExportParameters(false).Q.Y!), B64(new byte[32]))),
            "too-many" => Keys(Enumerable.Range(0, 11).Select(i => EcJwk(ec, $"k{i}")).ToArray()),
            _ => Keys(RsaJwk(rsa, "k1")),
        };
        if (kind == "public-client")
        {
            type = "public";
        }

        var json = $$"""{ "clients": [ { "clientId": "{{id}}", "type": "{{type}}", "grantTypes": ["client_credentials"], {{member}} } ] }""";
        if (type == "public")
        {
            json = json.Replace("\"grantTypes\": [\"client_credentials\"], ", "");
        }

        var result = await ImportAsync(json);

        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Empty(await Database.QueryAsync(Server, $"SELECT id FROM clients WHERE client_id = '{id}'"));
    }

    [Fact]
    public async Task Import_KeysAndNoSecret_StoresOnlyPublicMembers_AndTheClientAuthenticatesOnlyWithThem()
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var json = $$"""
            { "clients": [ { "clientId": "{{id}}", "grantTypes": ["client_credentials"], "allowedScopes": ["orders.read"],
              "allowedApis": ["{{TestClients.Orders}}"], {{Keys(EcJwk(Ec, "ec-1", ", \"alg\": \"ES256\", \"x5t\": \"ignored\""))}} } ] }
            """;
        var result = await ImportAsync(json);
        Assert.Empty(result.Errors);

        var stored = (await Database.QueryAsync(Server, $"SELECT jwks FROM clients WHERE client_id = '{id}'")).Single()[0]!;
        Assert.DoesNotContain("x5t", stored, StringComparison.Ordinal);
        Assert.Empty(await Database.QueryAsync(Server,
            $"SELECT s.id FROM client_secrets s JOIN clients c ON c.id = s.client_id WHERE c.client_id = '{id}'"));

        using var response = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "orders.read"), .. Form(SignEs256(Claims(Server, id)))]);
        await ProtocolAssert.OkJsonAsync(response);
    }

    [Fact]
    public async Task Import_SecretReplacedByKeys_TheSecretStopsWorking_AndTheSameFileAgainChangesNothing()
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var secret = new string('k', 48);
        const string Common = "\"grantTypes\": [\"client_credentials\"], \"allowedScopes\": [\"orders.read\"], \"defaultScopes\": [\"orders.read\"]";
        var withSecret = $$"""{ "clients": [ { "clientId": "{{id}}", "secret": { "value": "{{secret}}" }, {{Common}}, "allowedApis": ["{{TestClients.Orders}}"] } ] }""";
        var withKeys = $$"""{ "clients": [ { "clientId": "{{id}}", {{Common}}, "allowedApis": ["{{TestClients.Orders}}"], {{Keys(RsaJwk(Rsa, "rsa-1"))}} } ] }""";
        Assert.Empty((await ImportAsync(withSecret)).Errors);
        await Server.IssueAsync((id, secret));

        Assert.Empty((await ImportAsync(withKeys)).Errors);
        var again = await ImportAsync(withKeys);
        Assert.Contains($"unchanged client '{id}'", again.Changes);

        // The client cache may still hold the old client: let it expire.
        Server.Time.Advance(TimeSpan.FromMinutes(10));
        using var bySecret = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials")], (id, secret));
        await ProtocolAssert.ErrorAsync(bySecret, HttpStatusCode.Unauthorized, "invalid_client");
        using var byKey = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. Form(SignRs256(Claims(Server, id)))]);
        await ProtocolAssert.OkJsonAsync(byKey);
    }

    [Fact]
    public async Task AdminApi_CreateWithKeys_HasNoSecret_ShowsTheKeys_AndTheClientAuthenticates()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await api.PostAsJsonAsync("/admin/api/v1/clients", new
        {
            clientId = id, grantTypes = new[] { "client_credentials" }, allowedScopes = new[] { "orders.read" },
            allowedApis = new[] { TestClients.Orders }, jwks = JsonDocument.Parse($"{{\"keys\": [{RsaJwk(Rsa, "rsa-1")}]}}").RootElement,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var created = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Null, created.GetProperty("secret").ValueKind);
        Assert.False(created.GetProperty("client").GetProperty("hasSecret").GetBoolean());

        var read = JsonDocument.Parse(await api.GetStringAsync($"/admin/api/v1/clients/{id}")).RootElement;
        var key = read.GetProperty("settings").GetProperty("jwks").GetProperty("keys")[0];
        Assert.Equal("rsa-1", key.GetProperty("kid").GetString());
        Assert.Equal(B64(Rsa.ExportParameters(false).Modulus!), key.GetProperty("n").GetString());

        using var token = await Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), ("scope", "orders.read"), .. Form(SignRs256(Claims(Server, id)))]);
        await ProtocolAssert.OkJsonAsync(token);
    }

    [Fact]
    public async Task AdminApi_UpdateWithAPrivateKey_Is400WithThePath()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        (await api.PostAsJsonAsync("/admin/api/v1/clients", new { clientId = id, grantTypes = new[] { "client_credentials" } })).EnsureSuccessStatusCode();
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwk = EcJwk(ec, "k1", $", \"d\": \"{B64(ec.ExportParameters(true).D!)}\"");

        using var response = await api.PutAsJsonAsync($"/admin/api/v1/clients/{id}", new
        {
            grantTypes = new[] { "client_credentials" }, jwks = JsonDocument.Parse($"{{\"keys\": [{jwk}]}}").RootElement,
        });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("jwks.keys[0].d", body, StringComparison.Ordinal);
        Assert.Contains("private key", body, StringComparison.Ordinal);
        Assert.DoesNotContain(B64(ec.ExportParameters(true).D!), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminPage_ShowsTheKeys_AndRefusesAPrivateKeyBesideTheField()
    {
        await Server.ImportAsync(ClientAssertions.Json);
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var html = await session.GetPageAsync($"/admin/clients/{Service}");
            Assert.Contains("id=\"Jwks\"", html, StringComparison.Ordinal);
            Assert.Contains("rsa-1", html, StringComparison.Ordinal);
            Assert.Contains(B64(Ec.ExportParameters(false).Q.X!), html, StringComparison.Ordinal);

            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var jwk = EcJwk(ec, "k1", $", \"d\": \"{B64(ec.ExportParameters(true).D!)}\"");
            using var response = await session.SubmitAsync("/admin/clients/new",
            [
                ("Form.ClientId", "c-" + Guid.NewGuid().ToString("N")[..12]), ("Form.Type", "confidential"), ("Form.Enabled", "true"),
                ("Form.GrantTypes", "client_credentials"), ("Form.AccessTokenFormat", "opaque"), ("Form.Jwks", $"{{\"keys\": [{jwk}]}}"),
            ]);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("data-for=\"Jwks\">keys[0].d: this is a private key", page, StringComparison.Ordinal);
        }
    }

    private Task<ImportResult> ImportAsync(string json) =>
        new ConfigurationImporter(Server.Service<AuthServerDatabase>(), Server.Time,
            Server.Service<AuthServer.Protocol.Grants.GrantHandlers>().Names.ToHashSet()).ImportAsync(json, CancellationToken.None);

    private static string Keys(params string[] jwks) => $"\"jwks\": {{ \"keys\": [ {string.Join(", ", jwks)} ] }}";
}

public sealed class SqliteKeyRegistrationTests(SqliteServerFixture fixture) : KeyRegistrationTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresKeyRegistrationTests(PostgresServerFixture fixture) : KeyRegistrationTests(fixture), IClassFixture<PostgresServerFixture>;
