namespace AuthServer.Tests.Observability;

/// <summary>
/// The values a run must never log, and the search for them: the whole value, and every window of
/// <see cref="Window"/> characters of its secret part (a JWT's signature, an opaque handle after its time prefix, a
/// password), so a truncated or re-wrapped copy is found too.
/// </summary>
public sealed class SecretScan
{
    public const int Window = 16;

    private readonly List<(string What, string Value, string SecretPart)> _secrets = [];

    public IReadOnlyList<(string What, string Value, string SecretPart)> Secrets => _secrets;

    /// <summary>A JWT: its signature is what no one else can make.</summary>
    public void Jwt(string what, string jwt)
    {
        var parts = jwt.Split('.');
        Assert.True(parts.Length == 3, $"{what} is not a JWT: {jwt}");
        _secrets.Add((what, jwt, parts[2]));
    }

    /// <summary>An access token of either format, or a refresh token / code (opaque handles: time prefix, then the random part).</summary>
    public void Token(string what, string value)
    {
        if (value.Contains('.', StringComparison.Ordinal))
        {
            Jwt(what, value);
        }
        else
        {
            Assert.True(value.Length > 12 + Window, $"{what} is unexpectedly short: {value}");
            _secrets.Add((what, value, value[12..]));
        }
    }

    /// <summary>A password, client secret, code verifier or key: all of it is secret.</summary>
    public void Value(string what, string value) => _secrets.Add((what, value, value));

    /// <summary>Each secret found in <paramref name="text"/>, with the line it was found on.</summary>
    public List<string> FindIn(string text)
    {
        var found = new List<string>();
        foreach (var (what, value, part) in _secrets)
        {
            var at = text.IndexOf(value, StringComparison.Ordinal);
            for (var i = 0; at < 0 && i + Window <= part.Length; i += 2)
            {
                at = text.IndexOf(part.Substring(i, Window), StringComparison.Ordinal);
            }

            if (at < 0 && part.Length < Window)
            {
                at = text.IndexOf(part, StringComparison.Ordinal);
            }

            if (at >= 0)
            {
                found.Add($"{what} in: {LineAt(text, at)}");
            }
        }

        return found;
    }

    private static string LineAt(string text, int at)
    {
        var start = text.LastIndexOf('\n', at) + 1;
        var end = text.IndexOf('\n', at);
        return text[start..(end < 0 ? text.Length : end)];
    }
}
