using AuthServer.Protocol.Errors;

namespace AuthServer.Protocol.Requests;

/// <summary>
/// The parameters of one protocol request: one value per name, except the few parameters a spec lets repeat.
/// </summary>
public sealed class ProtocolParameters
{
    /// <summary>RFC 8707 §2 and RFC 8693 §2.1: <c>resource</c> and <c>audience</c> may be sent more than once.</summary>
    public static readonly IReadOnlySet<string> DefaultRepeatable = new HashSet<string>(StringComparer.Ordinal) { "resource", "audience" };

    private readonly Dictionary<string, string> _single;
    private readonly Dictionary<string, string[]> _repeated;

    private ProtocolParameters(Dictionary<string, string> single, Dictionary<string, string[]> repeated)
    {
        _single = single;
        _repeated = repeated;
    }

    public static ProtocolParameters Parse(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> raw) =>
        Parse(raw, DefaultRepeatable);

    public static ProtocolParameters Parse(
        IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> raw, IReadOnlySet<string> repeatable)
    {
        var single = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, values) in raw)
        {
            // RFC 6749 Appendix A: no parameter's syntax admits %x00 (and PostgreSQL text cannot hold it).
            if (name.Contains('\0') || values.Any(v => v.Contains('\0')))
            {
                throw OAuthException.InvalidRequest("A parameter contains a NUL character.");
            }

            if (repeatable.Contains(name))
            {
                var present = values.Where(v => v.Length > 0).ToArray();
                if (present.Length > 0)
                {
                    repeated[name] = present;
                }

                continue;
            }

            // RFC 6749 §3.1 and §3.2: request parameters must not be included more than once.
            if (values.Count > 1)
            {
                throw OAuthException.InvalidRequest($"The '{Printable(name)}' parameter was sent more than once.");
            }

            // RFC 6749 §3.1: a parameter sent without a value is treated as if it were omitted.
            if (values.Count == 1 && values[0].Length > 0)
            {
                single[name] = values[0];
            }
        }

        return new ProtocolParameters(single, repeated);
    }

    public string? Get(string name) => _single.GetValueOrDefault(name);

    public string Require(string name) =>
        _single.TryGetValue(name, out var value)
            ? value
            : throw OAuthException.InvalidRequest($"The '{name}' parameter is missing.");

    public IReadOnlyList<string> GetAll(string name) =>
        _repeated.TryGetValue(name, out var values) ? values
        : _single.TryGetValue(name, out var value) ? [value]
        : [];

    /// <summary>
    /// Shortens and sanitises a client-supplied value before it is echoed in an error description, which
    /// RFC 6749 §5.2 limits to %x20-21 / %x23-5B / %x5D-7E.
    /// </summary>
    public static string Printable(string value)
    {
        var cut = value.Length > 40 ? value[..40] + "..." : value;
        return new string(cut.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?').ToArray());
    }
}
