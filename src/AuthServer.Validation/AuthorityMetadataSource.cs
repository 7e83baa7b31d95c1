using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Validation;

/// <summary>
/// Fetches and caches discovery and JWKS for one scheme. Every fetch (the first, an expiry, an unknown kid) goes
/// through one gate: at most one per <see cref="AuthServerValidationOptions.RefreshThrottle"/>, and concurrent
/// callers share the fetch in flight. When a fetch fails the last good snapshot stays in use.
/// </summary>
internal sealed class AuthorityMetadataSource
{
    private const string DiscoveryPath = "/.well-known/openid-configuration";

    private readonly string _authority;
    private readonly Uri _discoveryUri;
    private readonly AuthServerValidationOptions _options;
    private readonly Func<HttpClient> _client;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    private readonly Lock _gate = new();
    private volatile AuthorityMetadata? _current;
    private Task<AuthorityMetadata?>? _inFlight;
    private DateTimeOffset? _lastAttempt;

    public AuthorityMetadataSource(
        Uri authority, AuthServerValidationOptions options, Func<HttpClient> client, TimeProvider time, ILogger log)
    {
        // RFC 8414 §3: the well-known path is appended to the issuer; one trailing slash is not part of it.
        _authority = TrimOneSlash(authority.OriginalString);
        _discoveryUri = new Uri(_authority + DiscoveryPath);
        _options = options;
        _client = client;
        _time = time;
        _log = log;
    }

    /// <summary>The current snapshot, fetched if none is fresh; throws when there has never been one.</summary>
    public async Task<AuthorityMetadata> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && _time.GetUtcNow() < current.ExpiresAt)
        {
            return current;
        }

        return await RefreshAsync(cancellationToken)
            ?? throw new AuthorityMetadataException("no discovery and JWKS from the authority yet");
    }

    /// <summary>The key with this kid: an unknown kid may mean a rotation, so it allows one (throttled) refetch.</summary>
    public async Task<JsonWebKey?> FindKeyAsync(string kid, CancellationToken cancellationToken)
    {
        var current = await GetAsync(cancellationToken);
        if (current.Keys.TryGetValue(kid, out var key))
        {
            return key;
        }

        var refreshed = await RefreshAsync(cancellationToken);
        return refreshed?.Keys.GetValueOrDefault(kid);
    }

    /// <summary>Joins the fetch in flight, starts one if the throttle allows, or else returns what there is.</summary>
    private Task<AuthorityMetadata?> RefreshAsync(CancellationToken cancellationToken)
    {
        Task<AuthorityMetadata?> fetch;
        lock (_gate)
        {
            if (_inFlight is null)
            {
                var now = _time.GetUtcNow();
                if (_lastAttempt is { } last && now - last < _options.RefreshThrottle)
                {
                    return Task.FromResult(_current);
                }

                _lastAttempt = now;
                _inFlight = FetchAsync();
            }

            fetch = _inFlight;
        }

        // One caller giving up must not cancel the fetch the others wait for.
        return fetch.WaitAsync(cancellationToken);
    }

    private async Task<AuthorityMetadata?> FetchAsync()
    {
        // Leave the lock before any work, so _inFlight is set before the finally below clears it.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(_options.BackchannelTimeout, _time);
            var client = _client();
            var (issuer, jwksUri, introspection) = await FetchDiscoveryAsync(client, timeout.Token);
            var (keys, maxAge) = await FetchJwksAsync(client, jwksUri, timeout.Token);

            var lifetime = maxAge ?? _options.MetadataCacheLifetime;
            lifetime = TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks,
                _options.MinMetadataCacheLifetime.Ticks, _options.MaxMetadataCacheLifetime.Ticks));

            var snapshot = new AuthorityMetadata(issuer, jwksUri, introspection, keys, _time.GetUtcNow() + lifetime);
            _current = snapshot;
            _log.LogInformation("Fetched {Count} signing keys from {JwksUri}, kept for {Lifetime}", keys.Count, jwksUri, lifetime);
            return snapshot;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException
                                     or AuthorityMetadataException or ArgumentException)
        {
            _log.LogWarning("Could not fetch discovery and JWKS from {Authority}: {Reason}; keeping the previous keys",
                _authority, e is AuthorityMetadataException ? e.Message : e.GetType().Name);
            return _current;
        }
        finally
        {
            lock (_gate)
            {
                _inFlight = null;
            }
        }
    }

    private async Task<(string Issuer, Uri JwksUri, Uri? Introspection)> FetchDiscoveryAsync(
        HttpClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _discoveryUri);
        request.Headers.Accept.Add(BackchannelJson.Accept);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var document = await BackchannelJson.ReadAsync(response, cancellationToken);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new AuthorityMetadataException("discovery is not a JSON object");
        }

        // RFC 8414 §3.3: the issuer in the document must be the one it was fetched for; otherwise an attacker who
        // controls one issuer's metadata could stand in for another.
        var issuer = BackchannelJson.GetString(root, "issuer");
        if (issuer is null || !string.Equals(TrimOneSlash(issuer), _authority, StringComparison.Ordinal))
        {
            throw new AuthorityMetadataException($"discovery issuer '{issuer}' does not match Authority '{_authority}'");
        }

        var jwksUri = ParseEndpoint(root, "jwks_uri")
            ?? throw new AuthorityMetadataException("discovery has no jwks_uri");
        return (issuer, jwksUri, ParseEndpoint(root, "introspection_endpoint"));
    }

    private async Task<(IReadOnlyDictionary<string, JsonWebKey> Keys, TimeSpan? MaxAge)> FetchJwksAsync(
        HttpClient client, Uri jwksUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, jwksUri);
        request.Headers.Accept.Add(BackchannelJson.Accept);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var document = await BackchannelJson.ReadAsync(response, cancellationToken);

        var keys = new Dictionary<string, JsonWebKey>(StringComparer.Ordinal);
        var set = new JsonWebKeySet(document.RootElement.GetRawText());
        foreach (var key in set.Keys)
        {
            // Only keys a token can name (kid), meant for signatures (RFC 7517 §4.2), of a type we verify with.
            if (string.IsNullOrEmpty(key.Kid) || key.Use is { Length: > 0 } and not "sig" || key.Kty is not ("EC" or "RSA"))
            {
                continue;
            }

            // A duplicated kid is ambiguous: the first one is kept.
            keys.TryAdd(key.Kid, key);
        }

        var cacheControl = response.Headers.CacheControl;
        TimeSpan? maxAge = cacheControl is { NoStore: true } or { NoCache: true } ? TimeSpan.Zero : cacheControl?.MaxAge;
        return (keys, maxAge);
    }

    private Uri? ParseEndpoint(JsonElement root, string name)
    {
        if (BackchannelJson.GetString(root, name) is not { } value)
        {
            return null;
        }

        if (!AuthServerValidationOptionsValidator.TryParseAuthority(value, out var uri)
            || (_options.RequireHttps && !AuthServerValidationOptionsValidator.IsHttpsOrLoopback(uri)))
        {
            throw new AuthorityMetadataException($"discovery {name} '{value}' is not an acceptable URL");
        }

        return uri;
    }

    private static string TrimOneSlash(string value) => value.EndsWith('/') ? value[..^1] : value;
}
