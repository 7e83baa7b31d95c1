using System.Runtime.ExceptionServices;
using System.Security.Claims;
using System.Threading.RateLimiting;
using AuthServer.Endpoints;
using AuthServer.Signals;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.RateLimiting;

/// <summary>
/// Counts every request against its policy's bucket before any endpoint work, and answers 429 when the bucket is
/// empty. Requests that go on to fail (a wrong secret, a wrong password) have already been counted, so a burst of bad
/// credentials is throttled like any other. Sign-in steps pass two buckets in a chain, source first, then account:
/// a request needs a permit from both, and one refused by its account has still spent its source's permit, while
/// one refused by its source never touches the account's bucket (so one source cannot drain many accounts).
/// </summary>
/// <remarks>
/// The chain is taken here rather than through ASP.NET Core's UseRateLimiter: on a refusal that middleware asks the
/// global limiter a second time (AttemptAcquire, then AcquireAsync), which would charge the source twice for a
/// request refused by its account, and it cannot say which of the chained policies refused.
/// </remarks>
public sealed class RateLimitMiddleware(RequestDelegate next, RateLimitBuckets buckets, RateLimitRejections rejections)
{
    public const string LoginPath = "/account/login";
    public const string LoginMfaPath = "/account/login/mfa";
    public const string MfaPath = "/account/mfa";
    public const string HealthPath = "/health";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        if (HttpMethods.IsPost(request.Method))
        {
            if (Is(path, TokenEndpoint.Path))
            {
                return ByClientAsync(context, RateLimitPolicy.Token);
            }

            if (Is(path, IntrospectionEndpoint.Path))
            {
                return ByClientAsync(context, RateLimitPolicy.Introspection);
            }

            if (Is(path, LoginPath))
            {
                return LoginAsync(context);
            }

            if (Is(path, LoginMfaPath) || path.StartsWithSegments(MfaPath, StringComparison.OrdinalIgnoreCase))
            {
                return MfaAsync(context);
            }
        }
        else if (Is(path, PhantomTokenEndpoint.Path))
        {
            // The gateway's form of introspection: counted per gateway, like POST /connect/introspect.
            return Limit(context, ByClientOrSource(context, RateLimitPolicy.Introspection, CallerId.FromBasic(request)));
        }

        var policy = path.StartsWithSegments(HealthPath, StringComparison.OrdinalIgnoreCase) ? RateLimitPolicy.Health : RateLimitPolicy.PerSource;
        return Limit(context, new RateLimitKey(policy, Source(context)));
    }

    private Task ByClientAsync(HttpContext context, RateLimitPolicy policy)
    {
        // Basic first: the hot path reads one header and no body.
        if (CallerId.FromBasic(context.Request) is { } clientId)
        {
            return Limit(context, new RateLimitKey(policy, clientId));
        }

        return IsUrlEncodedForm(context.Request) ? ByFormClientAsync(context, policy) : Limit(context, ByClientOrSource(context, policy, null));
    }

    private async Task ByFormClientAsync(HttpContext context, RateLimitPolicy policy)
    {
        await BufferFormAsync(context);
        await Limit(context, ByClientOrSource(context, policy, CallerId.FromForm(context) ?? CallerId.FromAssertion(context)));
    }

    private async Task LoginAsync(HttpContext context)
    {
        string? account = null;
        if (IsUrlEncodedForm(context.Request))
        {
            await BufferFormAsync(context);
            account = CallerId.FromForm(context, "Username")?.Trim() is { Length: > 0 } name ? name.ToUpperInvariant() : null;
        }

        await Limit(context, new RateLimitKey(RateLimitPolicy.LoginPerSource, Source(context)), Account(RateLimitPolicy.LoginPerAccount, account));
    }

    private async Task MfaAsync(HttpContext context)
    {
        // The account is the one waiting for its second factor (the short-lived two-factor cookie), or on the
        // enrolment page the one signed in. Without either the page only sends the browser back to sign in.
        var waiting = Is(context.Request.Path, LoginMfaPath);
        string? account;
        try
        {
            var result = await context.AuthenticateAsync(waiting ? IdentityConstants.TwoFactorUserIdScheme : IdentityConstants.ApplicationScheme);
            account = result.Principal?.FindFirstValue(waiting ? ClaimTypes.Name : ClaimTypes.NameIdentifier);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Counted by its source alone; the page meets the same failure and answers it.
            rejections.Log.LogDebug(e, "Rate limiting could not read the account of a second-factor request");
            account = null;
        }

        await Limit(context, new RateLimitKey(RateLimitPolicy.MfaPerSource, Source(context)), Account(RateLimitPolicy.MfaPerAccount, account));
    }

    private Task Limit(HttpContext context, RateLimitKey first, RateLimitKey? second = null)
    {
        if (!TryAcquire(first, out var retryAfter))
        {
            return rejections.WriteAsync(context, first.Policy, retryAfter);
        }

        if (second is { } then && !TryAcquire(then, out retryAfter))
        {
            return rejections.WriteAsync(context, then.Policy, retryAfter);
        }

        return next(context);
    }

    private bool TryAcquire(RateLimitKey key, out TimeSpan? retryAfter)
    {
        // Token-bucket leases hold nothing: the permit is spent whether or not the request then succeeds.
        using var lease = buckets.Acquire(key);
        retryAfter = !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
        return lease.IsAcquired;
    }

    private static RateLimitKey ByClientOrSource(HttpContext context, RateLimitPolicy policy, string? clientId) =>
        clientId is null ? new RateLimitKey(policy, Source(context), BySource: true) : new RateLimitKey(policy, clientId);

    private static RateLimitKey? Account(RateLimitPolicy policy, string? account) =>
        account is null ? null : new RateLimitKey(policy, account.Length > CallerId.MaxLength ? account[..CallerId.MaxLength] : account);

    private static string Source(HttpContext context) => RequestSource.Of(context) ?? "";

    private static bool Is(PathString path, string endpoint) =>
        path.StartsWithSegments(endpoint, StringComparison.OrdinalIgnoreCase, out var rest) && (!rest.HasValue || rest.Value == "/");

    private static bool IsUrlEncodedForm(HttpRequest request) =>
        request.ContentType is { } type && type.AsSpan().TrimStart().StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads the form now, so the (synchronous) choice of bucket can see client_id or Username; the endpoint later
    /// gets the same parsed form. A body that cannot be read is not answered here: the endpoint's own read fails the
    /// same way and answers with its usual error (RFC 6749 §5.2 invalid_request, or the page's 400).
    /// </summary>
    private static async Task BufferFormAsync(HttpContext context)
    {
        try
        {
            await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e)
        {
            context.Features.Set<IFormFeature>(new UnreadableForm(ExceptionDispatchInfo.Capture(e)));
        }
    }

    /// <summary>
    /// A form whose first read failed: later reads fail with the same exception, instead of parsing what is left
    /// of a half-read body.
    /// </summary>
    private sealed class UnreadableForm(ExceptionDispatchInfo failure) : IFormFeature
    {
        public bool HasFormContentType => true;

        public IFormCollection? Form
        {
            get => null;
            set { }
        }

        public IFormCollection ReadForm()
        {
            failure.Throw();
            return null!;
        }

        public Task<IFormCollection> ReadFormAsync(CancellationToken cancellationToken) =>
            Task.FromException<IFormCollection>(failure.SourceException);
    }
}
