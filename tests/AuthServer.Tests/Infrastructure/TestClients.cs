namespace AuthServer.Tests.Infrastructure;

/// <summary>The clients, APIs and scopes every endpoint test works with, with known secrets.</summary>
public static class TestClients
{
    public const string Orders = "https://api.example.test/orders";
    public const string Inventory = "https://api.example.test/inventory";
    public const string Payments = "https://api.example.test/payments";

    public static readonly (string Id, string Secret) Opaque = ("opaque-client", Secret('o'));
    public static readonly (string Id, string Secret) OtherOpaque = ("other-client", Secret('p'));
    public static readonly (string Id, string Secret) Jwt = ("jwt-client", Secret('j'));
    public static readonly (string Id, string Secret) Gateway = ("gateway", Secret('g'));
    public static readonly (string Id, string Secret) OrdersGateway = ("orders-gateway", Secret('h'));
    public static readonly (string Id, string Secret) NoDefaults = ("no-defaults", Secret('n'));
    public static readonly (string Id, string Secret) Disabled = ("disabled-client", Secret('d'));
    public const string PublicApp = "public-app";

    // Clients people sign in to (authorization code flow).
    public static readonly (string Id, string Secret) Web = ("web-app", Secret('w'));
    public static readonly (string Id, string Secret) WebWithoutPkce = ("web-no-pkce", Secret('x'));
    public static readonly (string Id, string Secret) ConsentWeb = ("consent-web", Secret('c'));
    public static readonly (string Id, string Secret) MfaWeb = ("mfa-web", Secret('m'));
    public const string Spa = "spa-app";
    public const string WebCallback = "https://web.example.test/callback";
    public const string SpaCallback = "https://spa.example.test/cb";
    public const string WebSignedOut = "https://web.example.test/signed-out";

    public static string Json => $$"""
    {
      "scopes": [
        { "name": "orders.read" }, { "name": "orders.write" }, { "name": "inventory.read" }, { "name": "payments.charge" }
      ],
      "apis": [
        { "name": "{{Orders}}", "scopes": ["orders.read", "orders.write"], "signingAlgorithm": "ES256" },
        { "name": "{{Inventory}}", "scopes": ["inventory.read"], "signingAlgorithm": "RS256" },
        { "name": "{{Payments}}", "scopes": ["payments.charge"] }
      ],
      "clients": [
        {{Client(Opaque, "opaque", """["orders.read", "orders.write"]""", """["orders.read"]""", $"[\"{Orders}\"]")}},
        {{Client(OtherOpaque, "opaque", """["orders.read"]""", """["orders.read"]""", $"[\"{Orders}\"]")}},
        {{Client(Jwt, "jwt", """["orders.read", "inventory.read"]""", """["orders.read"]""", $"[\"{Orders}\", \"{Inventory}\"]")}},
        {{Client(NoDefaults, "opaque", """["orders.read"]""", "[]", $"[\"{Orders}\"]")}},
        { "clientId": "{{Disabled.Id}}", "secret": { "value": "{{Disabled.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": ["orders.read"], "defaultScopes": ["orders.read"], "allowedApis": ["{{Orders}}"], "enabled": false },
        { "clientId": "{{Gateway.Id}}", "secret": { "value": "{{Gateway.Secret}}" }, "introspectionApis": ["{{Orders}}", "{{Inventory}}"] },
        { "clientId": "{{OrdersGateway.Id}}", "secret": { "value": "{{OrdersGateway.Secret}}" }, "introspectionApis": ["{{Orders}}"] },
        { "clientId": "{{PublicApp}}", "type": "public" },
        {{WebClient(Web, "")}},
        {{WebClient(WebWithoutPkce, "\"requirePkce\": false,")}},
        {{WebClient(ConsentWeb, "\"requireConsent\": true,")}},
        {{WebClient(MfaWeb, "\"requireMfa\": true,")}},
        { "clientId": "{{Spa}}", "type": "public", "grantTypes": ["authorization_code"], "redirectUris": ["{{SpaCallback}}"],
          "allowedScopes": ["openid", "profile"], "accessTokenFormat": "jwt", "idTokenSigningAlgorithm": "ES256" }
      ]
    }
    """;

    private static string Client((string Id, string Secret) c, string format, string scopes, string defaults, string apis) => $$"""
        { "clientId": "{{c.Id}}", "secret": { "value": "{{c.Secret}}" }, "grantTypes": ["client_credentials"],
          "allowedScopes": {{scopes}}, "defaultScopes": {{defaults}}, "allowedApis": {{apis}},
          "accessTokenFormat": "{{format}}", "accessTokenLifetimeSeconds": 600 }
        """;

    private static string WebClient((string Id, string Secret) c, string extra) => $$"""
        { "clientId": "{{c.Id}}", "secret": { "value": "{{c.Secret}}" }, "grantTypes": ["authorization_code", "refresh_token"], {{extra}}
          "redirectUris": ["{{WebCallback}}", "http://127.0.0.1/callback"], "postLogoutRedirectUris": ["{{WebSignedOut}}"], "allowedScopes": ["openid", "profile", "email", "offline_access", "orders.read"],
          "allowedApis": ["{{Orders}}"], "accessTokenLifetimeSeconds": 600 }
        """;

    private static string Secret(char c) => new string(c, 20) + "-secret-0123456789abcdefghij";
}
