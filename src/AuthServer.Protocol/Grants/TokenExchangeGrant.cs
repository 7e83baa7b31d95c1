using System.Text.Json;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Errors;
using AuthServer.Protocol.Requests;
using AuthServer.Protocol.Resources;
using AuthServer.Protocol.Tokens;
using AuthServer.Protocol.Users;

namespace AuthServer.Protocol.Grants;

/// <summary>
/// RFC 8693: a client presents a token it holds (subject_token) and gets a new access token for another API, with
/// scopes that can only narrow, claims from the store, and an act claim when it acts for the subject (delegation).
/// Everything is refused unless the client's exchange policy allows it.
/// </summary>
public sealed class TokenExchangeGrant(
    TokenLocator tokens,
    JwtAccessTokenReader jwtReader,
    IResourceStore resources,
    IUserDirectory users,
    AccessTokenIssuer issuer,
    TimeProvider time) : IGrantHandler
{
    public const string Name = TokenExchangePolicy.GrantType;

    // RFC 8693 §3: token type identifiers.
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    public const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";
    public const string JwtType = "urn:ietf:params:oauth:token-type:jwt";

    public string GrantType => Name;

    /// <summary>What the exchange starts from: whose token it is, what it may be narrowed from, and when it ends.</summary>
    private sealed record Subject(
        string Id, string? Jti, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, string? FamilyId, JsonElement? Act)
    {
        /// <summary>A client_credentials token: its subject is the client it was issued to.</summary>
        public bool IsClientsOwn { get; init; }
    }

    public async Task<TokenResponse> HandleAsync(Client client, ProtocolParameters parameters, CancellationToken cancellationToken)
    {
        // A public client cannot prove who it is, so it can be no actor and may hold no exchange rights.
        var policy = client.Type == ClientType.Confidential ? client.TokenExchange : null;
        if (policy is null)
        {
            throw new OAuthException(OAuthErrorCode.UnauthorizedClient, "The client is not allowed to exchange tokens.");
        }

        var now = time.GetUtcNow();

        // 1. The subject token, and the actor token of a delegation (§2.1).
        var subject = await ReadSubjectAsync(client, policy, parameters, now, cancellationToken);
        var act = await ReadActorAsync(client, policy, parameters, subject, now, cancellationToken);

        var requested = parameters.Get("requested_token_type");
        if (requested is not (null or AccessTokenType))
        {
            throw new OAuthException(OAuthErrorCode.InvalidRequest, "Token exchange issues access tokens only.");
        }

        // 2. The target: only APIs the policy lists (§2.2.2 invalid_target), and scopes that only narrow (invalid_scope).
        var catalog = await resources.GetCatalogAsync(cancellationToken);
        var targets = Targets(policy, parameters, catalog);
        var scopes = NarrowScopes(parameters.Get("scope"), subject.Scopes, targets);
        var algorithms = targets.Select(t => t.SigningAlgorithm).Distinct(StringComparer.Ordinal).ToList();
        if (algorithms.Count > 1)
        {
            throw new OAuthException(OAuthErrorCode.InvalidTarget,
                "The requested audiences accept different signing algorithms; exchange for each separately.");
        }

        // 3. The new token: a JWT for an internal API; never outliving its subject token or the policy's maximum.
        var lifetime = new[] { client.AccessTokenLifetime, policy.MaxLifetime, subject.ExpiresAt - now }.Min();
        if (lifetime < TimeSpan.FromSeconds(1))
        {
            throw InvalidGrant("the subject token expires within a second");
        }

        // A client's own token has the client as subject (RFC 9068 §2.2); anyone else is looked up as a person.
        var kind = subject.IsClientsOwn || await users.FindAsync(subject.Id, cancellationToken) is null
            ? SubjectKind.Client
            : SubjectKind.User;
        var access = new GrantedAccess(scopes, targets.Select(t => t.Name).ToList(), algorithms[0]);

        // Audited as the token is stored (queued before it, like every issued token): no exchange goes unrecorded.
        var mode = parameters.Get("actor_token") is null ? "impersonation" : "delegation";
        var token = await issuer.IssueAsync(new AccessTokenRequest(client, subject.Id, kind, access, Name, subject.FamilyId)
        {
            Act = act,
            Format = targets.Any(t => t.Internal) ? AccessTokenFormat.Jwt : client.AccessTokenFormat,
            Lifetime = TimeSpan.FromSeconds(Math.Floor(lifetime.TotalSeconds)),
            AuditAction = "token.exchanged",
            AuditDetail = $"mode={mode} subject_jti={subject.Jti ?? "id_token"}",
        }, cancellationToken);

        // §2.2.1: no refresh token; issued_token_type says what came back.
        return new TokenResponse(token.Value, "Bearer", token.ExpiresIn, string.Join(' ', scopes)) { IssuedTokenType = AccessTokenType };
    }

    private async Task<Subject> ReadSubjectAsync(
        Client client, TokenExchangePolicy policy, ProtocolParameters parameters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var value = parameters.Require("subject_token");
        var type = parameters.Require("subject_token_type");
        if (type == IdTokenType)
        {
            if (!policy.AllowIdTokenSubject)
            {
                throw new OAuthException(OAuthErrorCode.InvalidRequest, "This client may not exchange ID tokens.");
            }

            // Only an unexpired ID token this server issued to this very client.
            var idToken = await jwtReader.ValidateIdTokenAsync(value);
            if (idToken is not { } id || id.Audience != client.ClientId)
            {
                throw InvalidGrant("the ID token is invalid, expired or was issued to another client");
            }

            return new Subject(id.Subject, null, client.AllowedScopes.ToList(), id.ExpiresAt, null, null);
        }

        if (type is not (AccessTokenType or JwtType))
        {
            // §2.2.2: an unsupported token type is invalid_request. Refresh tokens never leave their client this way.
            throw new OAuthException(OAuthErrorCode.InvalidRequest, "The subject_token_type is not supported.");
        }

        var record = await ActiveAccessTokenAsync(value, now, cancellationToken) ?? throw InvalidGrant("subject token not active");

        // The token must have reached this client legitimately: issued to it, or issued for an API it implements.
        if (record.ClientId != client.ClientId && !record.Audiences.Any(policy.SubjectAudiences.Contains))
        {
            throw InvalidGrant($"subject token of {record.ClientId} for {string.Join(' ', record.Audiences)} is not this client's to exchange");
        }

        return new Subject(record.Subject, record.Jti, record.Scopes, record.ExpiresAt, record.FamilyId, record.Claims?.Act)
        {
            IsClientsOwn = record.Subject == record.ClientId,
        };
    }

    private async Task<JsonElement?> ReadActorAsync(
        Client client, TokenExchangePolicy policy, ProtocolParameters parameters, Subject subject, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var value = parameters.Get("actor_token");
        var type = parameters.Get("actor_token_type");

        // §2.1: actor_token_type is required with an actor_token and must not appear without one.
        if ((value is null) != (type is null))
        {
            throw new OAuthException(OAuthErrorCode.InvalidRequest, "actor_token and actor_token_type go together.");
        }

        if (value is null)
        {
            if (!policy.AllowImpersonation)
            {
                throw new OAuthException(OAuthErrorCode.UnauthorizedClient,
                    "This client may only act on behalf of the subject (delegation): send an actor_token.");
            }

            // Impersonation adds no actor, but keeps a chain the subject token already carries.
            return subject.Act;
        }

        if (!policy.AllowDelegation)
        {
            throw new OAuthException(OAuthErrorCode.UnauthorizedClient, "This client may not exchange tokens by delegation.");
        }

        if (type is not (AccessTokenType or JwtType))
        {
            throw new OAuthException(OAuthErrorCode.InvalidRequest, "The actor_token_type is not supported.");
        }

        // The actor is the calling client itself, proven by a token issued to it: no client can name another as actor.
        var actor = await ActiveAccessTokenAsync(value, now, cancellationToken);
        if (actor is null || actor.ClientId != client.ClientId)
        {
            throw InvalidGrant("actor token not active or not issued to this client");
        }

        return TokenClaims.Actor(actor.Subject, actor.ClientId, subject.Act);
    }

    private async Task<TokenRecord?> ActiveAccessTokenAsync(string value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = await tokens.FindAsync(value, checkLifetime: true, cancellationToken);
        return record is { Kind: TokenKind.AccessToken } && record.IsActiveAt(now) ? record : null;
    }

    private static List<ApiResource> Targets(TokenExchangePolicy policy, ProtocolParameters parameters, ResourceCatalog catalog)
    {
        // §2.1: audience names the target logically, resource (an absolute URI) physically; our APIs are named by URI.
        var names = parameters.GetAll("audience").Concat(parameters.GetAll("resource")).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            throw new OAuthException(OAuthErrorCode.InvalidRequest, "Name the API the new token is for with audience or resource.");
        }

        var targets = new List<ApiResource>();
        foreach (var name in names)
        {
            if (!policy.Audiences.Contains(name) || !catalog.Apis.TryGetValue(name, out var api) || !api.Enabled)
            {
                throw new OAuthException(OAuthErrorCode.InvalidTarget,
                    "The requested audience is unknown or not allowed for this client's token exchange.",
                    $"exchange target '{ProtocolParameters.Printable(name)}' refused");
            }

            targets.Add(api);
        }

        return targets;
    }

    private static List<string> NarrowScopes(string? scopeParameter, IReadOnlyList<string> subjectScopes, List<ApiResource> targets)
    {
        var accepted = targets.SelectMany(t => t.Scopes).ToHashSet(StringComparer.Ordinal);
        List<string> scopes;
        if (scopeParameter is null)
        {
            scopes = subjectScopes.Where(accepted.Contains).ToList();
        }
        else
        {
            scopes = ScopePolicy.ParseScope(scopeParameter);
            var wider = scopes.FirstOrDefault(s => !subjectScopes.Contains(s));
            if (wider is not null)
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope,
                    $"The scope '{ProtocolParameters.Printable(wider)}' was not granted to the subject token; exchange can only narrow.");
            }

            var outside = scopes.FirstOrDefault(s => !accepted.Contains(s));
            if (outside is not null)
            {
                throw new OAuthException(OAuthErrorCode.InvalidScope,
                    $"The scope '{ProtocolParameters.Printable(outside)}' is not accepted by the requested audience.");
            }
        }

        return scopes.Count > 0
            ? scopes
            : throw new OAuthException(OAuthErrorCode.InvalidScope, "None of the subject token's scopes is accepted by the requested audience.");
    }

    private static OAuthException InvalidGrant(string detail) =>
        new(OAuthErrorCode.InvalidGrant, "The subject or actor token is invalid, expired, revoked or not allowed here.", detail);
}
