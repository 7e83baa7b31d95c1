using AuthServer.Protocol.Clients;

namespace AuthServer.Data.Import;

internal sealed partial class ImportValidator
{
    /// <summary>
    /// The client's keys for private_key_jwt: inline public keys only. A URL to fetch them from is refused: the server
    /// never makes a request to an address a client registered (no SSRF, no keys that change behind the admin's back).
    /// </summary>
    private void ValidateJwks(ClientImport c, string path, string type)
    {
        foreach (var (member, value) in new[] { ("jwksUri", c.JwksUri), ("jwks_uri", c.JwksUriParameter) })
        {
            if (value is not null)
            {
                Error($"{path}.{member}", "is not supported: keys are never fetched from a URL; register the client's public keys inline as \"jwks\": { \"keys\": [ ... ] }");
            }
        }

        if (c.Jwks is not { } jwks)
        {
            return;
        }

        if (type == "public")
        {
            Error($"{path}.jwks", "a public client cannot authenticate, so it has no keys");
            return;
        }

        foreach (var (at, message) in ClientJwks.Validate(jwks).Errors)
        {
            Error(at.Length == 0 ? $"{path}.jwks" : $"{path}.jwks.{at}", message);
        }
    }
}
