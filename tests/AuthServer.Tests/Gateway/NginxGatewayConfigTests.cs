using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using AuthServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Not AuthServer.Tests.Gateway: that namespace would hide TestClients.Gateway from the other test files.
namespace AuthServer.Tests;

/// <summary>
/// An infrastructure test of the nginx recipe (deploy/nginx/authserver-gateway.conf) in a real nginx, against a
/// stub that plays AuthServer's GET /connect/phantom contract and a stub API that records what reaches it. It
/// proves the nginx side: who is asked, what is cached and for how long, what the API sees. The end-to-end test
/// with AuthServer's own phantom endpoint is separate.
/// </summary>
public sealed class NginxGatewayConfigTests(NginxGatewayConfigTests.Stack stack) : IClassFixture<NginxGatewayConfigTests.Stack>
{
    private const string ClientId = "api-gateway";
    private const string ClientSecret = "s3cret:with/+ and space"; // every character client_secret_basic must encode

    private PhantomStub AuthServer => stack.AuthServer;

    private ApiStub Api => stack.Api;

    [Fact]
    public async Task Request_WithoutAuthorization_Returns401WithBareChallenge_AndCallsNeither()
    {
        var (phantomCalls, apiCalls) = (AuthServer.TotalCalls, Api.Calls.Count);

        using var response = await stack.SendAsync(authorization: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["Bearer"], Challenges(response)); // RFC 6750 §3.1: no error code without a token
        Assert.Equal((phantomCalls, apiCalls), (AuthServer.TotalCalls, Api.Calls.Count));
    }

    [Theory]
    [InlineData("Basic YWxpY2U6c2VjcmV0", "Bearer")]
    [InlineData("Bearer", "Bearer error=\"invalid_token\"")]
    [InlineData("Bearer not a token", "Bearer error=\"invalid_token\"")]
    public async Task Request_WithoutWellFormedBearerToken_Returns401_AndCallsNeither(string authorization, string challenge)
    {
        var (phantomCalls, apiCalls) = (AuthServer.TotalCalls, Api.Calls.Count);

        using var response = await stack.SendAsync(authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal([challenge], Challenges(response));
        Assert.Equal((phantomCalls, apiCalls), (AuthServer.TotalCalls, Api.Calls.Count));
    }

    [Fact]
    public async Task Request_WithUnknownToken_Returns401InvalidToken_AndNeverReachesApi_AndIsNotCached()
    {
        var token = NewToken();
        var apiCalls = Api.Calls.Count;

        using var first = await stack.SendAsync($"Bearer {token}");
        using var second = await stack.SendAsync($"Bearer {token}");

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(["Bearer error=\"invalid_token\""], Challenges(first));
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal(2, AuthServer.CallsFor(token)); // a refusal is asked again every time
        Assert.Equal(apiCalls, Api.Calls.Count);
    }

    [Fact]
    public async Task Request_WithActiveToken_ReachesApiWithPhantomJwt_NeverTheOpaqueToken()
    {
        var token = AuthServer.Activate(NewToken(), maxAge: 30);

        using var response = await stack.SendAsync($"Bearer {token}", "/orders/7?x=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("api GET /orders/7?x=1", await response.Content.ReadAsStringAsync());
        var call = Assert.Single(Api.CallsWith(PhantomStub.PhantomFor(token)));
        Assert.Equal($"Bearer {PhantomStub.PhantomFor(token)}", call.Authorization);
        Assert.DoesNotContain(Api.Calls, c => c.Headers.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_WithBodyAndOtherHeaders_ReachesApi_WhileAuthServerGetsOnlyTokenAndGatewayCredentials()
    {
        var token = AuthServer.Activate(NewToken(), maxAge: 30);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{\"qty\":2}", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        request.Headers.TryAddWithoutValidation("Cookie", "session=abc");
        request.Headers.TryAddWithoutValidation("X-Access-Token", "Bearer forged");
        request.Headers.TryAddWithoutValidation("X-Phantom-Token", "forged.jwt.value");

        using var response = await stack.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var phantomCall = Assert.Single(AuthServer.Calls, c => c.AccessToken == $"Bearer {token}");
        Assert.Equal("GET", phantomCall.Method);
        Assert.Null(phantomCall.ContentLength);
        Assert.Equal(["Authorization", "Connection", "Host", "X-Access-Token"], phantomCall.HeaderNames);
        var apiCall = Assert.Single(Api.CallsWith(PhantomStub.PhantomFor(token)));
        Assert.Equal("{\"qty\":2}", apiCall.Body);
        Assert.Contains("Cookie: session=abc", apiCall.Headers, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", apiCall.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameToken_WithinMaxAge_AsksAuthServerOnce()
    {
        var token = AuthServer.Activate(NewToken(), maxAge: 30);

        using var first = await stack.SendAsync($"Bearer {token}");
        using var second = await stack.SendAsync($"Bearer {token}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(("MISS", "HIT"), (CacheStatus(first), CacheStatus(second)));
        Assert.Equal(1, AuthServer.CallsFor(token));
        Assert.Equal(2, Api.CallsWith(PhantomStub.PhantomFor(token)).Count);
    }

    [Fact]
    public async Task DifferentToken_AsksAuthServerAgain_AndGetsItsOwnPhantom()
    {
        var one = AuthServer.Activate(NewToken(), maxAge: 30);
        var other = AuthServer.Activate(NewToken(), maxAge: 30);

        using var first = await stack.SendAsync($"Bearer {one}");
        using var second = await stack.SendAsync($"Bearer {other}");

        Assert.Equal(("MISS", "MISS"), (CacheStatus(first), CacheStatus(second)));
        Assert.Equal((1, 1), (AuthServer.CallsFor(one), AuthServer.CallsFor(other)));
        Assert.Single(Api.CallsWith(PhantomStub.PhantomFor(other)));
    }

    [Fact]
    public async Task Answer_PastItsMaxAge_IsAskedForAgain()
    {
        var token = AuthServer.Activate(NewToken(), maxAge: 1);
        using (var first = await stack.SendAsync($"Bearer {token}"))
        using (var second = await stack.SendAsync($"Bearer {token}"))
        {
            Assert.Equal(("MISS", "HIT"), (CacheStatus(first), CacheStatus(second)));
        }

        // nginx keeps time in whole seconds: a 1 s answer expires 1 to 2 s after it was stored.
        var deadline = Stopwatch.StartNew();
        while (AuthServer.CallsFor(token) < 2 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            using var response = await stack.SendAsync($"Bearer {token}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(100);
        }

        Assert.Equal(2, AuthServer.CallsFor(token));
    }

    [Fact]
    public async Task ConcurrentRequests_ForNewToken_AskAuthServerOnce()
    {
        // The stub answers slowly, so all ten are waiting at once: proxy_cache_lock lets one through.
        var token = AuthServer.Activate(NewToken(), maxAge: 30, delay: TimeSpan.FromMilliseconds(400));

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => stack.SendAsync($"Bearer {token}")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, AuthServer.CallsFor(token));
        Assert.Equal(10, Api.CallsWith(PhantomStub.PhantomFor(token)).Count);
        Array.ForEach(responses, r => r.Dispose());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(400)]
    [InlineData(403)] // auth_request would pass a 403 on as is: about the gateway, not the client
    public async Task AuthServerError_Returns500_AndNeverReachesApi(int status)
    {
        var token = AuthServer.Fail(NewToken(), status);
        var apiCalls = Api.Calls.Count;

        using var response = await stack.SendAsync($"Bearer {token}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(Challenges(response));
        Assert.Equal(1, AuthServer.CallsFor(token));
        Assert.Equal(apiCalls, Api.Calls.Count);
    }

    [Fact]
    public async Task GatewayCredentialsRefused_Returns500WithoutChallenge_AndNeverReachesApi()
    {
        var token = AuthServer.Activate(NewToken(), maxAge: 30);
        await using var misconfigured = await NginxGateway.StartAsync(stack.AuthServer.Address, stack.Api.Address, ClientId, "wrong secret");
        using var client = new HttpClient { BaseAddress = misconfigured.BaseAddress, Timeout = Stack.RequestTimeout };
        var apiCalls = Api.Calls.Count;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        using var response = await client.SendAsync(request);

        // AuthServer's `Basic` challenge is about the gateway, not the client: it must not reach the client.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(Challenges(response));
        Assert.Equal(1, AuthServer.RefusedGatewayCalls);
        Assert.Equal(apiCalls, Api.Calls.Count);
    }

    private static string NewToken() => "tok_" + Guid.NewGuid().ToString("N");

    private static string[] Challenges(HttpResponseMessage response) =>
        response.Headers.TryGetValues("WWW-Authenticate", out var values) ? [.. values] : [];

    private static string? CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Phantom-Cache", out var values) ? values.Single() : null;

    /// <summary>The stubs and one nginx running the recipe between them, for the whole class.</summary>
    public sealed class Stack : IAsyncLifetime
    {
        public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

        private NginxGateway? _gateway;

        public PhantomStub AuthServer { get; } = new(ClientId, ClientSecret);

        public ApiStub Api { get; } = new();

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await AuthServer.StartAsync();
            await Api.StartAsync();
            _gateway = await NginxGateway.StartAsync(AuthServer.Address, Api.Address, ClientId, ClientSecret);
            Client = new HttpClient { BaseAddress = _gateway.BaseAddress, Timeout = RequestTimeout };
        }

        public async Task<HttpResponseMessage> SendAsync(string? authorization, string path = "/orders")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            return await Client.SendAsync(request);
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            if (_gateway is not null)
            {
                await _gateway.DisposeAsync();
            }

            await AuthServer.DisposeAsync();
            await Api.DisposeAsync();
        }
    }

    /// <summary>A small app on a free loopback port.</summary>
    public abstract class LoopbackApp : IAsyncDisposable
    {
        private WebApplication? _app;

        public Uri Address { get; private set; } = null!;

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            Map(_app);
            await _app.StartAsync();
            Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }

        protected abstract void Map(WebApplication app);
    }

    public sealed record PhantomCall(string Method, string? Authorization, string? AccessToken, long? ContentLength, string[] HeaderNames);

    /// <summary>
    /// Plays AuthServer's GET /connect/phantom: the gateway's Basic credentials are checked (a wrong one gets a
    /// `Basic` challenge); an active token gets 200, `X-Phantom-Token` and `Cache-Control: private, max-age=N`;
    /// any other token 401 with `Bearer error="invalid_token"`, `Cache-Control: no-store`.
    /// </summary>
    public sealed class PhantomStub(string clientId, string clientSecret) : LoopbackApp
    {
        private readonly ConcurrentDictionary<string, (int Status, int MaxAge, TimeSpan Delay)> _tokens = new();
        private readonly ConcurrentQueue<PhantomCall> _calls = new();
        private int _refusedGatewayCalls;

        public IReadOnlyCollection<PhantomCall> Calls => _calls;

        public int TotalCalls => _calls.Count;

        public int RefusedGatewayCalls => Volatile.Read(ref _refusedGatewayCalls);

        /// <summary>The fixed, JWT-shaped phantom for a token (distinct per token, so a mix-up shows).</summary>
        public static string PhantomFor(string token) =>
            "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NiJ9." + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=') + ".c2lnbmF0dXJl";

        public string Activate(string token, int maxAge, TimeSpan delay = default)
        {
            _tokens[token] = (200, maxAge, delay);
            return token;
        }

        public string Fail(string token, int status)
        {
            _tokens[token] = (status, 0, TimeSpan.Zero);
            return token;
        }

        public int CallsFor(string token) => _calls.Count(c => c.AccessToken == $"Bearer {token}");

        protected override void Map(WebApplication app) => app.MapGet("/connect/phantom", async (HttpContext http) =>
        {
            var request = http.Request;
            _calls.Enqueue(new PhantomCall(request.Method, request.Headers.Authorization, request.Headers["X-Access-Token"], request.ContentLength,
                [.. request.Headers.Keys.Order(StringComparer.Ordinal)]));
            var response = http.Response;
            response.Headers.CacheControl = "no-store";
            if (!IsGateway(request.Headers.Authorization))
            {
                Interlocked.Increment(ref _refusedGatewayCalls);
                response.Headers.WWWAuthenticate = "Basic realm=\"AuthServer\", charset=\"UTF-8\"";
                response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            var presented = request.Headers["X-Access-Token"].ToString();
            var token = presented.StartsWith("Bearer ", StringComparison.Ordinal) ? presented["Bearer ".Length..] : "";
            if (!_tokens.TryGetValue(token, out var answer))
            {
                response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await Task.Delay(answer.Delay);
            response.StatusCode = answer.Status;
            if (answer.Status == StatusCodes.Status200OK)
            {
                response.Headers["X-Phantom-Token"] = PhantomFor(token);
                response.Headers.CacheControl = $"private, max-age={answer.MaxAge}";
            }
        });

        private bool IsGateway(string? authorization)
        {
            const string scheme = "Basic ";
            if (authorization is null || !authorization.StartsWith(scheme, StringComparison.Ordinal))
            {
                return false;
            }

            // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..]));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0
                && Uri.UnescapeDataString(decoded[..colon].Replace('+', ' ')) == clientId
                && Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' ')) == clientSecret;
        }
    }

    public sealed record ApiCall(string Method, string PathAndQuery, string? Authorization, string Headers, string Body);

    /// <summary>The API behind the gateway: records every request and answers `api METHOD path`.</summary>
    public sealed class ApiStub : LoopbackApp
    {
        private readonly ConcurrentQueue<ApiCall> _calls = new();

        public IReadOnlyCollection<ApiCall> Calls => _calls;

        public IReadOnlyList<ApiCall> CallsWith(string phantom) => [.. _calls.Where(c => c.Authorization == $"Bearer {phantom}")];

        protected override void Map(WebApplication app) => app.Run(async http =>
        {
            var request = http.Request;
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            var headers = string.Join("\n", request.Headers.Select(h => $"{h.Key}: {h.Value}"));
            var pathAndQuery = request.Path + request.QueryString;
            _calls.Enqueue(new ApiCall(request.Method, pathAndQuery, request.Headers.Authorization, headers, body));
            await http.Response.WriteAsync($"api {request.Method} {pathAndQuery}");
        });
    }
}
