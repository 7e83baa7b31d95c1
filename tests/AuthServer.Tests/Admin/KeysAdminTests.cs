using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>
/// Signing keys through /admin/keys and /admin/api/v1/keys: the timeline, rotate and revoke (confirmed first on the
/// page), the JWKS on this node reflecting each change at once, and the audit entries naming the admin.
/// Changes are made to RS256 keys where possible: admin API tokens are ES256, and revoking their key would end them.
/// </summary>
public abstract class KeysAdminTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task ApiList_ShowsEveryKeyWithItsStateAndTheNextScheduledChange()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        var body = await GetJsonAsync(api, "/admin/api/v1/keys");

        var keys = body.GetProperty("keys").EnumerateArray().ToList();
        foreach (var algorithm in new[] { "ES256", "RS256" })
        {
            var active = Assert.Single(keys, k => k.GetProperty("algorithm").GetString() == algorithm && k.GetProperty("state").GetString() == "active");
            Assert.Contains(active.GetProperty("nextChange").GetString(), new[] { "a successor is published", "retires" });
            Assert.True(active.GetProperty("nextChangeAt").GetDateTimeOffset() > active.GetProperty("activatedAt").GetDateTimeOffset());
        }

        Assert.Equal("90.00:00:00", body.GetProperty("schedule").GetProperty("activeLifetime").GetString());
    }

    [Fact]
    public async Task ApiRotate_RS256_NewKeySignsAndIsInJwksAtOnce_OldOneRetiredStillPublished_AuditedWithTheActor()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var before = await ActiveKidAsync(api, "RS256");

        using var response = await api.PostAsJsonAsync("/admin/api/v1/keys/rotate", new { algorithm = "RS256" });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var after = await ActiveKidAsync(api, "RS256");
        Assert.NotEqual(before, after);
        var jwks = await Server.Http.GetStringAsync("/.well-known/jwks.json");
        Assert.Contains(after, jwks, StringComparison.Ordinal);
        Assert.Contains(before, jwks, StringComparison.Ordinal);
        Assert.Contains("retired (still published, no longer signs)", body, StringComparison.Ordinal);
        var audit = await GetJsonAsync(api, $"/admin/api/v1/audit?action=key.retire&target={before}");
        Assert.Equal("client:" + Infrastructure.Admin.Automation.Id, audit.GetProperty("items")[0].GetProperty("actor").GetString());
    }

    [Theory]
    [InlineData("""{"algorithm":"HS256"}""", "algorithm")]
    [InlineData("""{}""", "algorithm")]
    [InlineData("""{"algorithm":"RS256","kid":"mine"}""", "$.kid")]
    public async Task ApiRotate_BadBody_Is400NamingTheField(string json, string field)
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.PostAsync("/admin/api/v1/keys/rotate", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }

    [Fact]
    public async Task ApiRevoke_UnknownKid_Is404()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);

        using var response = await api.PostAsync("/admin/api/v1/keys/no-such-kid/revoke", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ApiRevoke_ActiveRS256Key_LeavesJwksAndAnotherKeySignsAtOnce()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var revoked = await ActiveKidAsync(api, "RS256");

        using var response = await api.PostAsync($"/admin/api/v1/keys/{revoked}/revoke", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jwks = await Server.Http.GetStringAsync("/.well-known/jwks.json");
        Assert.DoesNotContain(revoked, jwks, StringComparison.Ordinal);
        var successor = await ActiveKidAsync(api, "RS256");
        Assert.NotEqual(revoked, successor);
        Assert.Contains(successor, jwks, StringComparison.Ordinal);
        using var again = await api.PostAsync($"/admin/api/v1/keys/{revoked}/revoke", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Page_RotateWithConfirmation_NewKeyOnTheTimelineAndInJwks()
    {
        var (session, name) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var timeline = await session.GetPageAsync("/admin/keys");
            Assert.Contains("href=\"/admin/keys/rotate?algorithm=RS256\"", timeline, StringComparison.Ordinal);
            var confirm = await session.GetPageAsync("/admin/keys/rotate?algorithm=RS256");
            Assert.Contains("retires: it no longer signs, but stays in the JWKS", confirm, StringComparison.Ordinal);
            var jwksBefore = await JwksKidsAsync();

            using var post = await session.SubmitAsync("/admin/keys/rotate?algorithm=RS256", ("Algorithm", "RS256"));

            Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
            Assert.Equal("/admin/keys", post.Headers.Location!.OriginalString);
            var newKid = Assert.Single((await JwksKidsAsync()).Except(jwksBefore));
            var after = await session.GetPageAsync("/admin/keys");
            Assert.Contains("RS256 rotated:", Infrastructure.Admin.TextOf(after, "notice"), StringComparison.Ordinal);
            Assert.Contains($"<tr data-kid=\"{newKid}\">", after, StringComparison.Ordinal);
            await Server.FlushAuditAsync();
            using var api = await Infrastructure.Admin.ApiClientAsync(Server);
            var audit = await GetJsonAsync(api, $"/admin/api/v1/audit?action=key.&target={newKid}");
            Assert.Equal("user:" + name, audit.GetProperty("items")[0].GetProperty("actor").GetString());
        }
    }

    [Fact]
    public async Task Page_RevokeTheActiveKey_ConfirmationSaysItRotatesThenTheKeyLeavesJwks()
    {
        using var api = await Infrastructure.Admin.ApiClientAsync(Server);
        var kid = await ActiveKidAsync(api, "RS256");
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var confirm = await session.GetPageAsync($"/admin/keys/revoke?kid={kid}");
            Assert.Contains("so the signing key rotates at once", confirm, StringComparison.Ordinal);
            Assert.Contains("Every token it signed stops validating", confirm, StringComparison.Ordinal);

            using var post = await session.SubmitAsync($"/admin/keys/revoke?kid={kid}", ("Kid", kid));

            Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
            Assert.DoesNotContain(kid, await JwksKidsAsync());
            Assert.NotEqual(kid, await ActiveKidAsync(api, "RS256"));
        }
    }

    [Fact]
    public async Task Page_UnknownAlgorithmOrKid_Is404()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var rotate = await session.GetAsync("/admin/keys/rotate?algorithm=HS256");
            using var revoke = await session.GetAsync("/admin/keys/revoke?kid=no-such-kid");
            using var post = await session.SubmitToAsync("/admin/keys/rotate?algorithm=RS256", "/admin/keys/revoke", ("Kid", "no-such-kid"));

            Assert.Equal(HttpStatusCode.NotFound, rotate.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }
    }

    private async Task<List<string>> JwksKidsAsync()
    {
        using var jwks = JsonDocument.Parse(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToList();
    }

    private static async Task<string> ActiveKidAsync(HttpClient api, string algorithm) =>
        (await GetJsonAsync(api, "/admin/api/v1/keys")).GetProperty("keys").EnumerateArray()
        .Single(k => k.GetProperty("algorithm").GetString() == algorithm && k.GetProperty("state").GetString() == "active")
        .GetProperty("kid").GetString()!;


    private static async Task<JsonElement> GetJsonAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

public sealed class SqliteKeysAdminTests(SqliteServerFixture fixture) : KeysAdminTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresKeysAdminTests(PostgresServerFixture fixture) : KeysAdminTests(fixture), IClassFixture<PostgresServerFixture>;
