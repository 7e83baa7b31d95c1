using System.Globalization;
using AuthServer.Protocol.Audit;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Grants;
using AuthServer.Protocol.Keys;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;

namespace AuthServer.Protocol.Authorization;

/// <summary>
/// Checks an authorization request top to bottom. Until the client and its redirect URI are known to be good,
/// every failure is an <see cref="AuthorizationPageException"/> (never a redirect: RFC 6749 §4.1.2.1, RFC 9700
/// §4.11); after that, failures are <see cref="AuthorizationRedirectException"/>s carrying the state.
/// </summary>
public sealed class AuthorizationRequestValidator(IClientStore clients, IResourceStore resources, IAuditSink audit, TimeProvider time)
{
    public const string GrantType = "authorization_code";

    private static readonly HashSet<string> PromptValues = new(StringComparer.Ordinal) { "none", "login", "consent", "select_account" };

    public async Task<AuthorizationRequest> ValidateAsync(ProtocolParameters p, CancellationToken cancellationToken)
    {
        // 1. The client and its redirect URI, or an error page.
        var clientId = p.Get("client_id");
        var client = clientId is null ? null : await clients.FindAsync(clientId, cancellationToken);
        if (client is null || !client.Enabled)
        {
            throw new AuthorizationPageException("The application that sent you here is not registered.");
        }

        var redirectUri = p.Get("redirect_uri");
        if (redirectUri is null || !RedirectUris.Matches(client.RedirectUris, redirectUri))
        {
            throw new AuthorizationPageException("The application sent you here with a return address it has not registered.");
        }

        var responseMode = p.Get("response_mode") ?? ResponseModes.Query;
        var state = p.Get("state");
        if (responseMode is not (ResponseModes.Query or ResponseModes.FormPost))
        {
            throw Redirect(OAuthErrorCode.InvalidRequest, "response_mode must be query or form_post.", ResponseModes.Query);
        }

        AuthorizationRedirectException Redirect(OAuthErrorCode code, string description, string mode) =>
            new(code, description, redirectUri, mode, state);

        // 2. What is asked for.
        if (p.Get("request") is not null)
        {
            throw Redirect(OAuthErrorCode.RequestNotSupported, "Request objects are not supported.", responseMode);
        }

        if (p.Get("request_uri") is not null)
        {
            throw Redirect(OAuthErrorCode.RequestUriNotSupported, "request_uri is not supported.", responseMode);
        }

        switch (p.Get("response_type"))
        {
            case null:
                throw Redirect(OAuthErrorCode.InvalidRequest, "response_type is required.", responseMode);
            case not "code":
                throw Redirect(OAuthErrorCode.UnsupportedResponseType, "Only response_type=code is supported.", responseMode);
        }

        if (!client.GrantTypes.Contains(GrantType))
        {
            throw Redirect(OAuthErrorCode.UnauthorizedClient, "This client may not use the authorization code flow.", responseMode);
        }

        // 3. PKCE (RFC 7636, RFC 9700 §2.1.1): S256 only; required for public clients and by default for all.
        var method = p.Get("code_challenge_method");
        var challenge = p.Get("code_challenge");
        if (method is not null && method != Pkce.S256)
        {
            throw Redirect(OAuthErrorCode.InvalidRequest, "code_challenge_method must be S256.", responseMode);
        }

        if (challenge is null && (client.RequirePkce || method is not null))
        {
            throw Redirect(OAuthErrorCode.InvalidRequest, "code_challenge (S256) is required.", responseMode);
        }

        if (challenge is not null && (method is null || !Pkce.IsValidChallenge(challenge)))
        {
            throw Redirect(OAuthErrorCode.InvalidRequest,
                "code_challenge must be an S256 challenge (43 base64url characters) with code_challenge_method=S256.", responseMode);
        }

        // 4. OpenID Connect parameters.
        var prompt = (p.Get("prompt") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (prompt.Any(v => !PromptValues.Contains(v)) || (prompt.Contains("none") && prompt.Count > 1))
        {
            throw Redirect(OAuthErrorCode.InvalidRequest, "prompt must be none, or any of login, consent and select_account.", responseMode);
        }

        TimeSpan? maxAge = null;
        if (p.Get("max_age") is { } maxAgeText)
        {
            if (!int.TryParse(maxAgeText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw Redirect(OAuthErrorCode.InvalidRequest, "max_age must be a number of seconds.", responseMode);
            }

            maxAge = TimeSpan.FromSeconds(seconds);
        }

        var nonce = p.Get("nonce");
        if (nonce?.Length > 500 || state?.Length > 2000)
        {
            throw Redirect(OAuthErrorCode.InvalidRequest, "nonce or state is too long.", responseMode);
        }

        // 5. Scopes, narrowed to what the client may have; audiences from the APIs they belong to.
        var (scopes, audiences, algorithm) = await ResolveScopesAsync(client, p.Get("scope"), p.GetAll("resource"), responseMode, Redirect, cancellationToken);

        return new AuthorizationRequest
        {
            Client = client,
            RedirectUri = redirectUri,
            ResponseMode = responseMode,
            State = state,
            Nonce = nonce,
            Scopes = scopes,
            Audiences = audiences,
            AccessTokenAlgorithm = algorithm,
            CodeChallenge = challenge,
            Prompt = prompt,
            MaxAge = maxAge,
        };
    }

    private async Task<(List<string> Scopes, List<string> Audiences, string Algorithm)> ResolveScopesAsync(
        Client client, string? scopeParameter, IReadOnlyList<string> resourceParameters, string responseMode,
        Func<OAuthErrorCode, string, string, AuthorizationRedirectException> redirect, CancellationToken cancellationToken)
    {
        List<string> requested;
        try
        {
            requested = scopeParameter is null ? client.DefaultScopes.ToList() : ScopePolicy.ParseScope(scopeParameter);
        }
        catch (OAuthException e)
        {
            throw redirect(e.Code, e.Description, responseMode);
        }

        var catalog = await resources.GetCatalogAsync(cancellationToken);

        // The scopes the client may have and the server knows; anything else is dropped, not granted.
        var granted = requested
            .Where(s => client.AllowedScopes.Contains(s) && (IdentityScopes.All.Contains(s) || catalog.Scopes.ContainsKey(s)))
            .ToList();
        // Identity scopes (the built-in ones, or store scopes no API accepts) release claims to ID tokens and userinfo;
        // the rest are API scopes and decide the access token's audiences.
        var apiScopes = granted.Where(catalog.IsApiScope).ToList();
        if (granted.Count == 0)
        {
            audit.Record(GrantHandlers.ScopeDenied(time, client.ClientId, GrantType, scopeParameter));
            throw redirect(OAuthErrorCode.InvalidScope, "None of the requested scopes is allowed for this client.", responseMode);
        }

        if (apiScopes.Count == 0 && resourceParameters.Count == 0)
        {
            return (granted, [], SigningAlgorithms.Default);
        }

        GrantedAccess access;
        try
        {
            access = ScopePolicy.Resolve(client, string.Join(' ', apiScopes), resourceParameters, catalog);
        }
        catch (OAuthException e)
        {
            if (e.Code == OAuthErrorCode.InvalidScope)
            {
                audit.Record(GrantHandlers.ScopeDenied(time, client.ClientId, GrantType, scopeParameter));
            }

            throw redirect(e.Code, e.Description, responseMode);
        }

        var identity = granted.Where(s => !catalog.IsApiScope(s));
        return ([.. identity, .. access.Scopes], access.Audiences.ToList(), access.SigningAlgorithm);
    }
}
