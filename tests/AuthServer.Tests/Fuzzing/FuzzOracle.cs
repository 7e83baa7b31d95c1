using System.Text.Json;

namespace AuthServer.Tests.Fuzzing;

/// <summary>
/// What every answer must be: below 500; no stack trace, exception name or source path in the body; and the shape of
/// its branch: RFC 6749 §5.2 JSON errors (RFC 6750 challenges at userinfo and phantom), RFC 9457 problem details
/// under /admin/api, HTML pages elsewhere. Returns the violations, none when the answer is good.
/// </summary>
public static class FuzzOracle
{
    private static readonly string[] ErrorCodes =
    [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "invalid_target", "unsupported_token_type", "temporarily_unavailable", "unsupported_response_type", "access_denied",
        "login_required", "consent_required", "interaction_required", "request_not_supported", "request_uri_not_supported",
        "invalid_token", "insufficient_scope",
    ];

    private static readonly string[] LeakMarkers = ["   at ", "Exception", ".cs:line", "/work/", "/src/AuthServer", "System.", "Microsoft.AspNetCore", "Npgsql", "SQLite Error"];

    public static IEnumerable<string> Check(FuzzRequest request, RawResponse response, bool refusedByKestrel)
    {
        if (response.TimedOut)
        {
            yield return "no complete answer within the time limit";
            yield break;
        }

        if (response.Status == 0)
        {
            // Kestrel may close a connection on a message it cannot frame; that is an answer, but not for a well-formed one.
            if (!refusedByKestrel)
            {
                yield return "the connection closed without an answer to a well-formed request";
            }

            yield break;
        }

        // RFC 9110 §15.6.6: Kestrel's answer to "HTTP/9.9" in a raw request line, before any of the app runs.
        var unsupportedVersion = response.Status == 505 && request.Framing == Framing.Raw;
        if (response.Status is < 100 or >= 500 && !unsupportedVersion)
        {
            yield return $"status {response.Status}";
        }

        var text = response.BodyText;
        foreach (var marker in LeakMarkers)
        {
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                yield return $"the body contains '{marker}'";
            }
        }

        // A message Kestrel refuses gets its bare status before any branch sees it: only the rules above apply.
        if (refusedByKestrel && text.Length == 0 || response.Status < 400 || response.Status is 404 or 405 or 413 or 414 or 431 && text.Length == 0)
        {
            yield break;
        }

        // The branch that answers is decided by the path as Kestrel routes it (a mutation may have moved it).
        var path = AsRouted(request.SentPath());
        var family = FuzzEndpoints.FamilyOf(path);
        foreach (var problem in family switch
        {
            FuzzFamily.Protocol => ProtocolError(path, response),
            FuzzFamily.BrowserProtocol when response.MediaType == "text/html" || text.Length == 0 => [],
            FuzzFamily.BrowserProtocol => ProtocolError(path, response),
            FuzzFamily.AdminApi => response.MediaType == "application/problem+json" ? [] : [$"an admin API error as {response.MediaType ?? "no content type"}"],
            FuzzFamily.Health => [],
            _ => response.MediaType == "text/html" || text.Length == 0 ? [] : [$"a page error as {response.MediaType}"],
        })
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> ProtocolError(string path, RawResponse response)
    {
        var bearer = path.StartsWith("/connect/userinfo", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/connect/phantom", StringComparison.OrdinalIgnoreCase);
        if (response.Status == 401 && response.Header("WWW-Authenticate") is null)
        {
            yield return "401 without WWW-Authenticate";
        }

        if (bearer && response.Body.Length == 0)
        {
            // RFC 6750 §3: the challenge carries the error; a body is optional.
            if (response.Status != 401 && response.Header("WWW-Authenticate") is null)
            {
                yield return $"{response.Status} at a bearer endpoint without a challenge or a body";
            }

            yield break;
        }

        if (response.MediaType != "application/json")
        {
            yield return $"a protocol error as {response.MediaType ?? "no content type"}";
            yield break;
        }

        string? error = null;
        string? description = null;
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            description = json.RootElement.TryGetProperty("error_description", out var d) ? d.GetString() : null;
        }
        catch (JsonException)
        {
        }

        if (error is null || !ErrorCodes.Contains(error))
        {
            yield return $"a protocol error without a known 'error' code: {Shorten(response.BodyText)}";
        }
        else if (description is not null && description.Any(c => c is < ' ' or > '~' or '"' or '\\'))
        {
            yield return "an error_description outside RFC 6749 §5.2's character set";
        }
    }

    /// <summary>The path as Kestrel hands it on: %2E decoded, then dot segments removed (RFC 3986 §5.2.4).</summary>
    private static string AsRouted(string path)
    {
        var segments = new List<string>();
        foreach (var segment in System.Text.RegularExpressions.Regex.Replace(path, "%2[eE]", ".").Split('/').Skip(1))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment != ".")
            {
                segments.Add(segment);
            }
        }

        return "/" + string.Join('/', segments);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
