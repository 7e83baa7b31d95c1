using System.CommandLine;
using AuthServer.Data;
using AuthServer.Data.Stores;
using AuthServer.Data.Users;
using AuthServer.Protocol.Claims;
using AuthServer.Protocol.Errors;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Cli;

/// <summary>
/// `authserver explain --client C [--user U] --scope S [--resource A]`: prints the claims each token would carry and
/// which granted scope released each one, read from the same store and through the same rules as the token endpoint.
/// </summary>
internal static class ExplainCommand
{
    public static Command Build()
    {
        var client = new Option<string>("--client") { Description = "The client that would ask for the tokens.", Required = true };
        var user = new Option<string?>("--user") { Description = "The user name signing in; without it the client is the subject (client_credentials)." };
        var scope = new Option<string>("--scope") { Description = "The scopes requested, space-separated.", Required = true };
        var resource = new Option<string[]>("--resource") { Description = "The API (audience) the access token is for.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("explain", "Show exactly which claims each token would carry, and which scope released each.")
        {
            client, user, scope, resource,
        };
        command.SetAction(async (parse, ct) => await RunAsync(
            parse.GetValue(client)!, parse.GetValue(user), parse.GetValue(scope)!, parse.GetValue(resource) ?? [], ct));
        return command;
    }

    private static async Task<int> RunAsync(string clientId, string? userName, string scope, string[] resources, CancellationToken ct)
    {
        var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
        await using var database = AuthServerApp.CreateDatabase(options);
        var cache = new CacheSettings(TimeSpan.Zero, TimeSpan.Zero);
        var client = await new ClientStore(database, cache, TimeProvider.System).FindAsync(clientId, ct);
        if (client is null)
        {
            await Console.Error.WriteLineAsync($"There is no client '{clientId}'.");
            return 2;
        }

        IReadOnlyList<ClaimValue>? userValues = null;
        string subject = client.ClientId;
        if (userName is not null)
        {
            await using var db = database.CreateContext();
            var normalized = new UpperInvariantLookupNormalizer().NormalizeName(userName);
            var userId = await db.Users.Where(u => u.NormalizedUserName == normalized).Select(u => u.Id).SingleOrDefaultAsync(ct);
            if (userId is null)
            {
                await Console.Error.WriteLineAsync($"There is no user '{userName}'.");
                return 2;
            }

            userValues = await new UserClaimStore(database).GetAsync(userId, ct);
            subject = $"{userName} (user {userId})";
        }

        var catalog = await new ResourceStore(database, cache, TimeProvider.System).GetCatalogAsync(ct);
        ClaimsExplanation explanation;
        try
        {
            explanation = ClaimsExplainer.Explain(catalog, client, userValues, scope, resources);
        }
        catch (OAuthException e)
        {
            await Console.Error.WriteLineAsync($"The token endpoint would refuse this request: {e.Code.WireName()}: {e.Description}");
            return 2;
        }

        Print(client.ClientId, subject, explanation);
        return 0;
    }

    private static void Print(string clientId, string subject, ClaimsExplanation x)
    {
        Console.WriteLine($"Client:  {clientId}");
        Console.WriteLine($"Subject: {subject}");
        Console.WriteLine($"Granted scopes: {string.Join(' ', x.GrantedScopes)}");
        if (x.Audiences.Count > 0)
        {
            var format = x.Format == Protocol.Clients.AccessTokenFormat.Jwt
                ? $"JWT (at+jwt, {x.SigningAlgorithm})"
                : $"opaque; its introspection answer and phantom JWT ({x.SigningAlgorithm})";
            Console.WriteLine();
            Console.WriteLine($"Access token for {string.Join(", ", x.Audiences)}: {format}");
            Console.WriteLine("  always: iss sub aud exp iat nbf jti client_id scope");
            Section(x.AccessToken);
        }

        if (x.IdToken is not null)
        {
            Console.WriteLine();
            Console.WriteLine("ID token:");
            Console.WriteLine("  always: iss sub aud azp exp iat auth_time acr amr at_hash, and nonce and sid when the request has them");
            Section(x.IdToken);
        }

        if (x.UserInfo is not null)
        {
            Console.WriteLine();
            Console.WriteLine("Userinfo:");
            Console.WriteLine("  always: sub");
            Section(x.UserInfo);
        }
    }

    private static void Section(IReadOnlyList<ExplainedClaim> claims)
    {
        var held = claims.Where(c => c.Values.Count > 0).ToList();
        if (held.Count == 0)
        {
            Console.WriteLine("  no claims from the store: no granted scope releases one this subject holds");
        }

        foreach (var c in held)
        {
            var value = c.Sensitive ? "(sensitive: value not shown)" : string.Join(", ", c.Values);
            Console.WriteLine($"  {c.Name} = {value}    released by {c.ReleasedBy}");
        }

        var missing = claims.Where(c => c.Values.Count == 0).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            Console.WriteLine($"  released, but no value held (left out): {string.Join(' ', missing)}");
        }
    }
}
