using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.Hosting;
using AuthServer.Protocol.Keys;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.Tests.Infrastructure.TestClients;

namespace AuthServer.Tests;

/// <summary>
/// Keys rotate on schedule while an API using AuthServer.Validation keeps validating fresh tokens, all on one fake
/// clock: no failure, and no token ever carries a kid the API could not already have had in a cached JWKS.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    // A short timeline so three rotations fit in a few simulated days: published 2 h ahead (JWKS max-age 1 h),
    // signing for a day, kept a day after retiring.
    private static readonly TimeSpan PublishAhead = TimeSpan.FromHours(2);
    private static readonly TimeSpan ActiveLifetime = TimeSpan.FromDays(1);
    private static readonly TimeSpan JwksMaxAge = TimeSpan.FromHours(1);

    private readonly TempFolder _folder = new();
    private AuthServerHost _server = null!;
    private WebApplication _api = null!;
    private HttpClient _apiHttp = null!;

    public async Task InitializeAsync()
    {
        _server = await AuthServerHost.StartAsync(HostSettings.NewSqlite(_folder.Path) with
        {
            ExtraArgs =
            [
                $"--AuthServer:Keys:PublishAhead={PublishAhead}",
                $"--AuthServer:Keys:ActiveLifetime={ActiveLifetime}",
                "--AuthServer:Keys:RetainAfterRetirement=1.00:05:00",
            ],
        });
        Assert.Empty((await _server.ImportAsync(TestClients.Json)).Errors);
        _api = SampleApi.SampleApiApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration["Validation:Authority"] = _server.Issuer;
            builder.Configuration["Validation:Audience"] = Orders;
            builder.Configuration["Validation:RequireHttps"] = "false";
            builder.Configuration["SampleApi:RequiredScope"] = "orders.read";
            builder.Services.AddSingleton<TimeProvider>(_server.Time);
        });
        await _api.StartAsync();
        _apiHttp = new HttpClient { BaseAddress = new Uri(_api.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _apiHttp.Dispose();
        await _api.DisposeAsync();
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private KeyRefreshService Refresher => _server.App.Services.GetServices<IHostedService>().OfType<KeyRefreshService>().Single();

    [Fact]
    public async Task ThreeRotations_TheApiValidatesEveryFreshToken_AndEveryKidWasPublishedLongBeforeItSigned()
    {
        var published = new Dictionary<string, DateTimeOffset>();
        await ObserveJwksAsync(published, DateTimeOffset.MinValue);
        var signers = new List<string>();
        var failures = new List<string>();

        // Every 20 minutes for three and a half days, as a node's refresh service would run (it also checks the schedule).
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromDays(3.5); elapsed += TimeSpan.FromMinutes(20))
        {
            _server.Time.Advance(TimeSpan.FromMinutes(20));
            await Refresher.RefreshAsync(CancellationToken.None);
            var now = _server.Time.GetUtcNow();
            await ObserveJwksAsync(published, now);

            var token = await _server.IssueAsync(Jwt, ("scope", "orders.read"), ("resource", Orders));
            var kid = new JsonWebToken(token).Kid;
            if (signers.Count == 0 || signers[^1] != kid)
            {
                signers.Add(kid);
            }

            if (published[kid] != DateTimeOffset.MinValue && now - published[kid] < JwksMaxAge * 2)
            {
                failures.Add($"{now:O}: {kid} signs {now - published[kid]} after it was first published");
            }

            var (status, body, _) = await CallApiAsync(token);
            if (status != HttpStatusCode.OK)
            {
                failures.Add($"{now:O}: the API answered {(int)status} for a token signed by {kid}: {body}");
            }
        }

        Assert.Empty(failures);
        Assert.True(signers.Count >= 4, $"signing keys over the run: {string.Join(", ", signers)}");
        Assert.Equal(signers.Count, signers.Distinct().Count());
    }

    [Fact]
    public async Task EmergencyRevoke_OldTokensFail_NewOnesPass()
    {
        var before = await _server.IssueAsync(Jwt, ("scope", "orders.read"), ("resource", Orders));
        Assert.Equal(HttpStatusCode.OK, (await CallApiAsync(before)).Status);
        var revoked = new JsonWebToken(before).Kid;

        var changes = await _server.Service<SigningKeyManager>().RevokeAsync(
            revoked, _server.Service<SigningKeyRingSource>().Protector, CancellationToken.None);
        await Refresher.RefreshAsync(CancellationToken.None);

        // AuthServer: the key left JWKS, and tokens it signed are inactive at once.
        Assert.Contains(changes, c => c.Kind == KeyChangeKind.Remove && c.Kid == revoked);
        var jwks = await _server.Http.GetStringAsync("/.well-known/jwks.json");
        Assert.DoesNotContain(revoked, jwks, StringComparison.Ordinal);
        Assert.False((await _server.IntrospectAsync(before, Gateway)).GetProperty("active").GetBoolean());

        // A new token is signed by the new key, and the API fetches it on the unknown kid.
        _server.Time.Advance(TimeSpan.FromSeconds(31));
        var after = await _server.IssueAsync(Jwt, ("scope", "orders.read"), ("resource", Orders));
        Assert.NotEqual(revoked, new JsonWebToken(after).Kid);
        var fresh = await CallApiAsync(after);
        Assert.True(fresh.Status == HttpStatusCode.OK, fresh.Body + " " + fresh.Challenge);

        // That fetch replaced the API's cached JWKS: the revoked key is gone from it, so the old token (still within its
        // lifetime) now fails at the API as well.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallApiAsync(before)).Status);
    }

    [Fact]
    public async Task Jwks_MaxAge_IsDerivedFromTheSchedule()
    {
        using var response = await _server.Http.GetAsync("/.well-known/jwks.json");

        Assert.Equal(JwksMaxAge, response.Headers.CacheControl?.MaxAge);
    }

    private async Task ObserveJwksAsync(Dictionary<string, DateTimeOffset> firstSeen, DateTimeOffset now)
    {
        using var jwks = JsonDocument.Parse(await _server.Http.GetStringAsync("/.well-known/jwks.json"));
        foreach (var key in jwks.RootElement.GetProperty("keys").EnumerateArray())
        {
            firstSeen.TryAdd(key.GetProperty("kid").GetString()!, now);
        }
    }

    private async Task<(HttpStatusCode Status, string Body, string Challenge)> CallApiAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/protected");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _apiHttp.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.WwwAuthenticate.ToString());
    }
}
