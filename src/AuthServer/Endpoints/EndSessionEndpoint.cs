using System.Security.Claims;
using AuthServer.Authorization;
using AuthServer.Data.Entities;
using AuthServer.Http;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Endpoints;

/// <summary>
/// GET or POST /connect/endsession (OpenID Connect RP-Initiated Logout 1.0). The browser goes back to the client
/// only to a post_logout_redirect_uri registered for the client the id_token_hint (or client_id) names, with its
/// state. Without a hint for the signed-in user, the user confirms first, so no other site can sign them out.
/// </summary>
public static class EndSessionEndpoint
{
    public const string Path = "/connect/endsession";
    public const string ProtectorPurpose = "AuthServer.EndSession.v1";

    public static async Task HandleAsync(
        HttpContext http, JwtAccessTokenReader tokens, IClientStore clients, SignInManager<UserEntity> signIn,
        IDataProtectionProvider protection, IAuditSink audit, TimeProvider time)
    {
        ProtocolParameters p;
        try
        {
            p = HttpMethods.IsPost(http.Request.Method)
                ? await ProtocolForm.ReadAsync(http.Request)
                : ProtocolForm.Parse(http.Request.Query);
        }
        catch (OAuthException e)
        {
            await AuthorizationResponses.WritePageErrorAsync(http, e.Description);
            return;
        }

        // 1. Who asks: the ID token it holds (signature checked; it may have expired) and the client it names.
        (string Subject, string Audience)? hint = null;
        if (p.Get("id_token_hint") is { } idTokenHint && (hint = await tokens.ValidateIdTokenHintAsync(idTokenHint)) is null)
        {
            await AuthorizationResponses.WritePageErrorAsync(http, "The sign-out request carries an ID token this server did not issue.");
            return;
        }

        var clientId = p.Get("client_id");
        if (clientId is not null && hint is { } h && h.Audience != clientId)
        {
            await AuthorizationResponses.WritePageErrorAsync(http, "The sign-out request names two different applications.");
            return;
        }

        // 2. Where to go afterwards: only a registered post-logout URI of that client.
        var client = (hint?.Audience ?? clientId) is { } id ? await clients.FindAsync(id, http.RequestAborted) : null;
        string? target = null;
        if (p.Get("post_logout_redirect_uri") is { } postLogout)
        {
            if (client is null || !client.PostLogoutRedirectUris.Contains(postLogout, StringComparer.Ordinal))
            {
                await AuthorizationResponses.WritePageErrorAsync(http, "The application asked to return to an address it has not registered.");
                return;
            }

            target = p.Get("state") is { } state
                ? postLogout + (postLogout.Contains('?') ? '&' : '?') + "state=" + Uri.EscapeDataString(state)
                : postLogout;
        }

        // 3. End the session now when the hint is for the signed-in user (or no one is signed in); else ask first.
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var subject = session.Succeeded ? session.Principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        if (subject is not null && hint?.Subject != subject)
        {
            var logoutId = target is null ? "" : protection.CreateProtector(ProtectorPurpose).Protect(target);
            http.Response.Redirect("/account/logout?logoutId=" + Uri.EscapeDataString(logoutId));
            return;
        }

        if (subject is not null)
        {
            await signIn.SignOutAsync();
            audit.Record(new AuditEvent(time.GetUtcNow(), "logout", "success", client?.ClientId, subject, Target: target, Detail: "rp-initiated"));
        }

        http.Response.Headers.CacheControl = "no-store";
        http.Response.Redirect(target ?? "/account/logout");
    }
}
