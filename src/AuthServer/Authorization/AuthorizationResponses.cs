using System.Net;
using System.Text;
using AuthServer.Endpoints;
using AuthServer.Http;
using AuthServer.Protocol;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Errors;
using Microsoft.Extensions.Primitives;

namespace AuthServer.Authorization;

/// <summary>
/// How the authorization endpoint answers: to the client's redirect URI by query or form_post (OAuth 2.0 Form Post
/// Response Mode), always with <c>iss</c> (RFC 9207) and the state unchanged; or, when the client cannot be
/// trusted with a redirect, with a page for the user.
/// </summary>
public sealed class AuthorizationResponses(ProtocolSettings settings, AuthServerMetrics metrics)
{
    public Task WriteCodeAsync(HttpContext http, AuthorizationRequest request, string code)
    {
        metrics.AuthorizationCodeIssued(request.Client.ClientId);
        return RespondAsync(http, request.RedirectUri, request.ResponseMode, [("code", code), ("state", request.State), ("iss", settings.Issuer)]);
    }

    public Task WriteErrorAsync(HttpContext http, AuthorizationRedirectException error)
    {
        metrics.ProtocolError(AuthorizeEndpoint.Path, error.Code.WireName());
        return RespondAsync(http, error.RedirectUri, error.ResponseMode,
        [
            ("error", error.Code.WireName()),
            ("error_description", error.Description),
            ("state", error.State),
            ("iss", settings.Issuer),
        ]);
    }

    public static async Task WritePageErrorAsync(HttpContext http, string message)
    {
        NoStore(http.Response, "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'");
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Cannot continue · AuthServer</title>
            <link rel="stylesheet" href="{AssetEndpoints.StylesheetPath}"></head>
            <body><main class="card"><h1>Cannot continue</h1><p class="error">{WebUtility.HtmlEncode(message)}</p>
            <p>Go back to the application and try again. If this keeps happening, tell the application's owner.</p></main></body></html>
            """);
    }

    /// <summary>
    /// The authorization request as a URL on this server, with one prompt value removed, and, after a sign-in, without
    /// max_age: the new sign-in satisfies it, and max_age=0 would otherwise send the browser round for ever.
    /// </summary>
    public static string ReturnUrl(IEnumerable<KeyValuePair<string, StringValues>> parameters, string withoutPrompt)
    {
        var pairs = new List<string>();
        foreach (var (name, value) in parameters.SelectMany(p => p.Value.Select(v => (p.Key, Value: v ?? ""))))
        {
            if (name == "max_age" && withoutPrompt == "login")
            {
                continue;
            }

            var kept = name == "prompt"
                ? string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => v != withoutPrompt))
                : value;
            if (name != "prompt" || kept.Length > 0)
            {
                pairs.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(kept)}");
            }
        }

        return AuthorizeEndpoint.Path + "?" + string.Join('&', pairs);
    }

    private static Task RespondAsync(HttpContext http, string redirectUri, string mode, IEnumerable<(string Name, string? Value)> fields)
    {
        var present = fields.Where(f => f.Value is not null).ToList();
        if (mode == ResponseModes.FormPost)
        {
            return WriteFormPostAsync(http, redirectUri, present);
        }

        // RFC 6749 §3.1.2: keep the redirect URI's own query, add ours.
        var url = new StringBuilder(redirectUri).Append(redirectUri.Contains('?') ? '&' : '?');
        url.AppendJoin('&', present.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value!)}"));
        NoStore(http.Response, null);
        http.Response.Redirect(url.ToString());
        return Task.CompletedTask;
    }

    /// <summary>A page whose form posts the response to the client; a script submits it, and a button does without one.</summary>
    private static async Task WriteFormPostAsync(HttpContext http, string redirectUri, List<(string Name, string? Value)> fields)
    {
        var target = Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri.GetLeftPart(UriPartial.Authority)
            : uri?.Scheme + ":";
        NoStore(http.Response, $"default-src 'none'; script-src 'self'; style-src 'self'; form-action {target}; frame-ancestors 'none'; base-uri 'none'");
        http.Response.ContentType = "text/html; charset=utf-8";
        var inputs = string.Concat(fields.Select(f =>
            $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(f.Name)}\" value=\"{WebUtility.HtmlEncode(f.Value)}\">"));
        await http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Continue · AuthServer</title>
            <link rel="stylesheet" href="{AssetEndpoints.StylesheetPath}"><script src="{AssetEndpoints.FormPostScriptPath}" defer></script></head>
            <body><main class="card"><form method="post" action="{WebUtility.HtmlEncode(redirectUri)}">{inputs}
            <p>Returning you to the application.</p><button type="submit">Continue</button></form></main></body></html>
            """);
    }

    private static void NoStore(HttpResponse response, string? contentSecurityPolicy)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
        if (contentSecurityPolicy is not null)
        {
            response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        }
    }
}
