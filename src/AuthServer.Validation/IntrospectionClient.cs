using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AuthServer.Validation;

/// <summary>
/// Opaque access tokens through RFC 7662 introspection, with results cached by token hash. A failed call to
/// AuthServer refuses the token (fail closed) and is not cached.
/// </summary>
internal sealed class IntrospectionClient(
    AuthServerValidationOptions options,
    AuthServerIntrospectionOptions introspection,
    AuthorityMetadataSource metadata,
    Func<HttpClient> client,
    TimeProvider time,
    ILogger log)
{
    private readonly IntrospectionCache _cache = new(introspection.MaxCacheEntries);

    internal int CachedCount => _cache.Count;

    public async Task<AccessTokenResult> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        // The cache holds a hash, never the token: a memory dump does not hand out usable tokens.
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGet(key, time.GetUtcNow(), out var cached))
        {
            return cached;
        }

        var authority = await metadata.GetAsync(cancellationToken);
        if (authority.IntrospectionEndpoint is not { } endpoint)
        {
            log.LogError("Introspection is configured but discovery has no introspection_endpoint");
            return Fail(TokenFailure.AuthorityUnavailable, "no introspection_endpoint");
        }

        JsonDocument response;
        try
        {
            response = await PostAsync(endpoint, token, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException
                                      or OperationCanceledException or JsonException or AuthorityMetadataException)
        {
            log.LogWarning("Introspection at {Endpoint} failed: {Reason}", endpoint,
                e is AuthorityMetadataException ? e.Message : e.GetType().Name);
            return Fail(TokenFailure.AuthorityUnavailable, "introspection failed");
        }

        using (response)
        {
            var now = time.GetUtcNow();
            var (result, expiresAt) = Interpret(response.RootElement, authority.Issuer, now);
            var keepUntil = now + introspection.CacheDuration;
            if (expiresAt < keepUntil)
            {
                keepUntil = expiresAt;
            }

            if (keepUntil > now)
            {
                _cache.Set(key, result, keepUntil);
            }

            return result;
        }
    }

    private async Task<JsonDocument> PostAsync(Uri endpoint, string token, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.BackchannelTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);

        // RFC 7662 §2.1: the token as a form parameter; the hint is only a hint.
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent([new("token", token), new("token_type_hint", "access_token")]),
        };
        request.Headers.Accept.Add(BackchannelJson.Accept);

        // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for HTTP Basic.
        var credentials = $"{Uri.EscapeDataString(introspection.ClientId!)}:{Uri.EscapeDataString(introspection.ClientSecret!)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

        using var response = await client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        return await BackchannelJson.ReadAsync(response, linked.Token);
    }

    /// <summary>The result, and the time after which it must not be reused (the token's exp when given).</summary>
    private (AccessTokenResult Result, DateTimeOffset ExpiresAt) Interpret(JsonElement root, string issuer, DateTimeOffset now)
    {
        var never = DateTimeOffset.MaxValue;

        // RFC 7662 §2.2: anything but "active": true is an inactive token.
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("active", out var active) || active.ValueKind != JsonValueKind.True)
        {
            return (Fail(TokenFailure.Inactive, "active is not true"), never);
        }

        var expires = ReadTime(root, "exp");
        var notBefore = ReadTime(root, "nbf");
        var expiresAt = expires ?? never;

        // AuthServer already checks these; they are checked again because the response is what this API trusts.
        if (expires is { } exp && now >= exp + options.ClockSkew)
        {
            return (Fail(TokenFailure.Expired, "exp is past"), expiresAt);
        }

        if (notBefore is { } nbf && nbf > now + options.ClockSkew)
        {
            return (Fail(TokenFailure.NotYetValid, "nbf is in the future"), expiresAt);
        }

        if (BackchannelJson.GetString(root, "iss") is { } iss && !string.Equals(iss, issuer, StringComparison.Ordinal))
        {
            return (Fail(TokenFailure.WrongIssuer, $"iss '{iss}'"), expiresAt);
        }

        if (!HasAudience(root, options.Audience!))
        {
            return (Fail(TokenFailure.WrongAudience, "aud does not contain this API"), expiresAt);
        }

        var claims = TokenClaims.FromJson(root, issuer, "active");
        return (AccessTokenResult.Success(claims, AccessTokenResult.OpaqueFormat, null), expiresAt);
    }

    /// <summary>RFC 7662 §2.2 aud: a string or an array of strings; this API must be one of them.</summary>
    private static bool HasAudience(JsonElement root, string audience)
    {
        if (!root.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => aud.GetString() == audience,
            JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == audience),
            _ => false,
        };
    }

    private static DateTimeOffset? ReadTime(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static AccessTokenResult Fail(TokenFailure failure, string detail) =>
        AccessTokenResult.Fail(failure, detail, AccessTokenResult.OpaqueFormat);
}
