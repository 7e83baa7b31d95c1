using System.Security.Claims;
using AuthServer.Authorization;
using AuthServer.Http;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Authorization;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthServer.Pages.Account;

/// <summary>
/// Approve or refuse what an application asks for (the authorization request it came from is checked again
/// here); without a request, the list of applications the user approved, each revocable.
/// </summary>
[Authorize]
public sealed class ConsentModel(
    AuthorizationRequestValidator validator, AuthorizationResponses responses, IConsentStore consents, IResourceStore resources,
    IAuditSink audit, TimeProvider time) : PageModel
{
    private static readonly Dictionary<string, string> IdentityScopeDescriptions = new(StringComparer.Ordinal)
    {
        [IdentityScopes.OpenId] = "Know who you are (your user id)",
        [IdentityScopes.Profile] = "See your name and username",
        [IdentityScopes.Email] = "See your email address",
        [IdentityScopes.OfflineAccess] = "Stay signed in when you are not using it",
    };

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string ClientName { get; private set; } = "";

    public IReadOnlyList<(string Scope, string Description)> Scopes { get; private set; } = [];

    public IReadOnlyList<Consent> Granted { get; private set; } = [];

    private string Subject => User.FindFirstValue(ClaimTypes.NameIdentifier)!;

    public async Task<IActionResult> OnGetAsync()
    {
        if (ReturnUrl is null)
        {
            Granted = await consents.ListAsync(Subject, HttpContext.RequestAborted);
            return Page();
        }

        var request = await RequestAsync();
        if (request is null)
        {
            return BadRequest();
        }

        await DescribeAsync(request);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string decision)
    {
        var request = await RequestAsync();
        if (request is null)
        {
            return BadRequest();
        }

        var now = time.GetUtcNow();
        if (decision == "allow")
        {
            await consents.GrantAsync(Subject, request.Client.ClientId, request.Scopes, now, HttpContext.RequestAborted);
            Record("consent.granted", request.Client.ClientId, string.Join(' ', request.Scopes));
            return LocalRedirect(ReturnUrl!);
        }

        // RFC 6749 §4.1.2.1: the user said no.
        Record("consent.denied", request.Client.ClientId, string.Join(' ', request.Scopes));
        await responses.WriteErrorAsync(HttpContext, new AuthorizationRedirectException(
            OAuthErrorCode.AccessDenied, "The user did not approve the request.", request.RedirectUri, request.ResponseMode, request.State));
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string clientId)
    {
        if (await consents.RevokeAsync(Subject, clientId, HttpContext.RequestAborted))
        {
            Record("consent.revoked", clientId, null);
        }

        return RedirectToPage();
    }

    /// <summary>The authorization request the return URL holds, validated as the authorization endpoint does; null if it is not one.</summary>
    private async Task<AuthorizationRequest?> RequestAsync()
    {
        if (ReturnUrl is null || !ReturnUrl.StartsWith(AuthServer.Endpoints.AuthorizeEndpoint.Path + "?", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var query = QueryHelpers.ParseQuery(ReturnUrl[ReturnUrl.IndexOf('?', StringComparison.Ordinal)..]);
            return await validator.ValidateAsync(ProtocolForm.Parse(query), HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is AuthorizationPageException or AuthorizationRedirectException or OAuthException)
        {
            return null;
        }
    }

    private async Task DescribeAsync(AuthorizationRequest request)
    {
        var catalog = await resources.GetCatalogAsync(HttpContext.RequestAborted);
        ClientName = request.Client.DisplayName ?? request.Client.ClientId;
        Scopes = request.Scopes.Select(s => (s, IdentityScopeDescriptions.GetValueOrDefault(s)
            ?? catalog.Scopes.GetValueOrDefault(s)?.Description ?? s)).ToList();
    }

    private void Record(string action, string clientId, string? scopes) =>
        audit.Record(new AuditEvent(time.GetUtcNow(), action, "success", clientId, Subject, Target: null,
            Detail: scopes is null ? null : $"scope={scopes}"));
}
