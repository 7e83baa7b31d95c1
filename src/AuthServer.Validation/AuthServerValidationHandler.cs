using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Validation;

/// <summary>
/// Authenticates requests that carry an AuthServer access token as a bearer token (RFC 6750 §2.1), and answers
/// challenges and refusals the RFC 6750 §3 way.
/// </summary>
internal sealed class AuthServerValidationHandler(
    IOptionsMonitor<AuthServerValidationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthServerValidationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.Read(Request.Headers.Authorization) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }

        var result = await ValidateAsync(presented.Token, Context.RequestAborted);
        if (result.Claims is null)
        {
            var failure = result.Failure ?? TokenFailure.Malformed;
            Logger.LogInformation("Bearer token refused ({Format}): {Failure}, {Detail}", result.Format, failure, result.Detail);
            return AuthenticateResult.Fail(new InvalidAccessTokenException(failure));
        }

        var identity = new ClaimsIdentity(result.Claims, Scheme.Name, TokenClaims.Subject, "role");
        var properties = new AuthenticationProperties();
        properties.Items[AuthServerValidationDefaults.TokenFormatProperty] = result.Format;
        if (result.Type is not null)
        {
            properties.Items[AuthServerValidationDefaults.TokenTypeProperty] = result.Type;
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), properties, Scheme.Name));
    }

    private async Task<AccessTokenResult> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is null)
        {
            return AccessTokenResult.Fail(TokenFailure.Malformed, "empty or repeated", AccessTokenResult.JwtFormat);
        }

        // Checked before any parsing: the cost of a refusal must not grow with what an attacker sends.
        if (token.Length > Options.MaxTokenLength)
        {
            return AccessTokenResult.Fail(TokenFailure.TooLarge, $"{token.Length} characters", AccessTokenResult.JwtFormat);
        }

        if (!BearerToken.IsB64Token(token))
        {
            return AccessTokenResult.Fail(TokenFailure.Malformed, "not a b64token", AccessTokenResult.JwtFormat);
        }

        var metadata = Options.Metadata!;
        try
        {
            if (BearerToken.LooksLikeJwt(token))
            {
                return await new JwtAccessTokenValidator(Options, metadata, TimeProvider).ValidateAsync(token, cancellationToken);
            }

            if (Options.IntrospectionClient is { } introspection)
            {
                return await introspection.IntrospectAsync(token, cancellationToken);
            }

            return AccessTokenResult.Fail(TokenFailure.Malformed, "not a JWT and introspection is off", AccessTokenResult.OpaqueFormat);
        }
        catch (AuthorityMetadataException e)
        {
            // Fail closed: without AuthServer's keys nothing can be accepted.
            return AccessTokenResult.Fail(TokenFailure.AuthorityUnavailable, e.Message, AccessTokenResult.JwtFormat);
        }
    }

    /// <summary>RFC 6750 §3: no token, a bare challenge; a refused token, invalid_token with a short reason.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, result.Failure switch
        {
            null => "Bearer",
            InvalidAccessTokenException e => $"Bearer error=\"invalid_token\", error_description=\"{e.Message}\"",
            _ => $"Bearer error=\"invalid_token\", error_description=\"{AccessTokenResult.Describe(TokenFailure.AuthorityUnavailable)}\"",
        });
    }

    /// <summary>RFC 6750 §3.1: a valid token without a scope the endpoint requires is insufficient_scope, with 403.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        if (Context.Items.TryGetValue(ScopeRequirement.MissingScopeItem, out var scope) && scope is string required)
        {
            Response.Headers.Append(HeaderNames.WWWAuthenticate,
                $"Bearer error=\"insufficient_scope\", error_description=\"The access token lacks a required scope.\", scope=\"{required}\"");
        }

        return Task.CompletedTask;
    }
}
