using System.Net;
using AuthServer.Testing;

namespace AuthServer.Validation.Tests.Infrastructure;

/// <summary>A fake authority, a protected API using the library, and the fake clock both run on.</summary>
public sealed class Harness : IAsyncDisposable
{
    private Harness(FakeTimeProvider time, FakeAuthority authority, TestApi api)
    {
        Time = time;
        Authority = authority;
        Api = api;
    }

    public FakeTimeProvider Time { get; }

    public FakeAuthority Authority { get; }

    public TestApi Api { get; }

    public static async Task<Harness> StartAsync(Action<AuthServerValidationOptions>? configure = null, params TestKey[] keys)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var authority = await FakeAuthority.StartAsync(keys);
        var api = await TestApi.StartAsync(authority.Issuer, time, configure);
        return new Harness(time, authority, api);
    }

    /// <summary>A valid access token, optionally changed before signing.</summary>
    public string Token(
        TestKey? key = null, Action<Dictionary<string, object?>>? payload = null, Action<Dictionary<string, object?>>? header = null)
    {
        key ??= TestKey.Es256;
        var claims = Tokens.Payload(Authority.Issuer, Time);
        payload?.Invoke(claims);
        var headers = Tokens.Header(key);
        header?.Invoke(headers);
        return Tokens.Sign(key, headers, claims);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token) => Api.GetAsync(path, token);

    /// <summary>RFC 6750 §3: 401 with invalid_token and exactly this description.</summary>
    public static void AssertInvalidToken(HttpResponseMessage response, string description)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"",
            response.Headers.WwwAuthenticate.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Authority.DisposeAsync();
    }
}
