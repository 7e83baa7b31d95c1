using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Validation;

/// <summary>Turns a JWT payload or an introspection response into claims, the same way for both.</summary>
public static class TokenClaims
{
    /// <summary>The claim type of each granted scope: one claim per scope.</summary>
    public const string Scope = "scope";

    public const string Subject = "sub";

    public const string ClientId = "client_id";

    /// <summary>
    /// Member names as claim types, unmapped. <c>scope</c> is split on spaces (RFC 9068 §2.2.3, RFC 7662 §2.2);
    /// arrays become one claim per element; objects such as <c>act</c> (RFC 8693 §4.1) stay JSON text.
    /// </summary>
    internal static List<Claim> FromJson(JsonElement payload, string issuer, params string[] skip)
    {
        var claims = new List<Claim>();
        foreach (var member in payload.EnumerateObject())
        {
            if (skip.Contains(member.Name, StringComparer.Ordinal))
            {
                continue;
            }

            if (member.Name == Scope && member.Value.ValueKind == JsonValueKind.String)
            {
                foreach (var scope in member.Value.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    claims.Add(new Claim(Scope, scope, ClaimValueTypes.String, issuer));
                }

                continue;
            }

            if (member.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in member.Value.EnumerateArray())
                {
                    Add(claims, member.Name, element, issuer);
                }

                continue;
            }

            Add(claims, member.Name, member.Value, issuer);
        }

        return claims;
    }

    private static void Add(List<Claim> claims, string type, JsonElement value, string issuer)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                claims.Add(new Claim(type, value.GetString()!, ClaimValueTypes.String, issuer));
                break;
            case JsonValueKind.Number:
                var isInteger = value.TryGetInt64(out _);
                claims.Add(new Claim(type, value.GetRawText(), isInteger ? ClaimValueTypes.Integer64 : ClaimValueTypes.Double, issuer));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                claims.Add(new Claim(type, value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
                    ClaimValueTypes.Boolean, issuer));
                break;
            case JsonValueKind.Object or JsonValueKind.Array:
                claims.Add(new Claim(type, value.GetRawText(), JsonClaimValueTypes.Json, issuer));
                break;
        }
    }
}
