using System.Security.Claims;
using AuthServer.Authorization;
using AuthServer.Configuration;
using AuthServer.Http;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Primitives;

namespace AuthServer.Endpoints;

/// <summary>GET or POST /connect/authorize (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): the code flow only.</summary>
public static class AuthorizeEndpoint
{
    public const string Path = "/connect/authorize";

    public static async Task HandleAsync(
        HttpContext http, AuthorizationRequestValidator validator, AuthorizationCodeIssuer codes, AuthorizationResponses responses,
        IConsentStore consents, AuthServerOptions options, IAuditSink audit, TimeProvider time)
    {
        AuthorizationRequest request;
        IEnumerable<KeyValuePair<string, StringValues>> raw = [];
        try
        {
            // 1. The request, checked: errors before the redirect URI is trusted go to a page, after it to the client.
            raw = HttpMethods.IsPost(http.Request.Method) ? await ProtocolForm.ReadRawAsync(http.Request) : http.Request.Query;
            request = await validator.ValidateAsync(ProtocolForm.Parse(raw), http.RequestAborted);
        }
        catch (AuthorizationPageException e)
        {
            await AuthorizationResponses.WritePageErrorAsync(http, e.Message);
            return;
        }
        catch (OAuthException e)
        {
            await AuthorizationResponses.WritePageErrorAsync(http, e.Description);
            return;
        }
        catch (AuthorizationRedirectException e)
        {
            await responses.WriteErrorAsync(http, e);
            return;
        }

        // 2. Who is signed in, and whether that sign-in is good enough for this request.
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? session.Principal : null;
        var authTime = session.Properties?.IssuedUtc ?? DateTimeOffset.MinValue;
        var now = time.GetUtcNow();
        var needsSignIn = user is null
            || request.Prompt.Contains("login")
            || (request.MaxAge is { } maxAge && now - authTime > maxAge);
        // RFC 8176: a password, and "mfa" when a second factor was also used (Identity marks two-factor sign-ins "mfa").
        var amr = user?.HasClaim("amr", "mfa") == true ? new List<string> { "pwd", "mfa" } : ["pwd"];
        var needsMfa = user is not null && !amr.Contains("mfa") && MfaPolicy.IsRequired(request.Client, user, options.Users);

        if (needsSignIn || needsMfa)
        {
            if (request.Prompt.Contains("none"))
            {
                await responses.WriteErrorAsync(http, Error(request, needsSignIn ? OAuthErrorCode.LoginRequired : OAuthErrorCode.InteractionRequired,
                    needsSignIn ? "The user is not signed in." : "The user must sign in with a second factor."));
                return;
            }

            // After signing in (or enrolling a second factor), the browser comes back here without prompt=login.
            var returnUrl = AuthorizationResponses.ReturnUrl(raw, withoutPrompt: "login");
            http.Response.Redirect((needsSignIn ? "/account/login" : "/account/mfa") + "?returnUrl=" + Uri.EscapeDataString(returnUrl));
            return;
        }

        // 3. Consent, where the client needs it or the request asks for it: remembered per user, client and scopes.
        var signedIn = user!;
        var subject = signedIn.FindFirstValue(ClaimTypes.NameIdentifier)!;
        if (request.Client.RequireConsent || request.Prompt.Contains("consent"))
        {
            var consent = await consents.FindAsync(subject, request.Client.ClientId, http.RequestAborted);
            if (request.Prompt.Contains("consent") || consent is null || !request.Scopes.All(consent.Scopes.Contains))
            {
                if (request.Prompt.Contains("none"))
                {
                    await responses.WriteErrorAsync(http, Error(request, OAuthErrorCode.ConsentRequired, "The user has not approved this request."));
                    return;
                }

                var returnUrl = AuthorizationResponses.ReturnUrl(raw, withoutPrompt: "consent");
                http.Response.Redirect("/account/consent?returnUrl=" + Uri.EscapeDataString(returnUrl));
                return;
            }
        }

        // 4. The code, and the response.
        var code = await codes.IssueAsync(request, subject, authTime, amr, signedIn.FindFirstValue("sid"), http.RequestAborted);
        audit.Record(new AuditEvent(now, "authorize.code_issued", "success", request.Client.ClientId, subject,
            Target: request.RedirectUri, Detail: $"scope={string.Join(' ', request.Scopes)} mode={request.ResponseMode}"));
        await responses.WriteCodeAsync(http, request, code);
    }

    private static AuthorizationRedirectException Error(AuthorizationRequest request, OAuthErrorCode code, string description) =>
        new(code, description, request.RedirectUri, request.ResponseMode, request.State);
}
