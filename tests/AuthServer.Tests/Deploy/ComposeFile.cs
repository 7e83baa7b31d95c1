using System.Text.RegularExpressions;

namespace AuthServer.Tests.Deploy;

/// <summary>
/// The parts of docker-compose.yml the tests check: each service's environment (with `&amp;anchor` / `*alias` maps),
/// its bind-mounted host paths, and its build target. A small reader for the subset of YAML the file uses (block maps,
/// flow maps on one line, lists of scalars), not a YAML parser: a line it does not understand fails the test, so the
/// file cannot drift into a shape these checks silently skip.
/// </summary>
public sealed partial class ComposeFile
{
    private ComposeFile(Dictionary<string, Service> services) => Services = services;

    public IReadOnlyDictionary<string, Service> Services { get; }

    public sealed class Service(string name)
    {
        public string Name { get; } = name;

        public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

        public List<string> Volumes { get; } = [];

        public string? BuildTarget { get; set; }

        public string? Image { get; set; }

        public List<string> Command { get; } = [];

        /// <summary>Host paths of bind mounts (`./x:/y[:ro]`), relative to the compose file's folder.</summary>
        public IEnumerable<string> BindMountSources => Volumes
            .Where(v => v.StartsWith("./", StringComparison.Ordinal))
            .Select(v => v.Split(':')[0][2..]);
    }

    public static ComposeFile Parse(string text)
    {
        var services = new Dictionary<string, Service>(StringComparer.Ordinal);
        var anchors = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Service? service = null;
        string? section = null;
        var inServices = false;

        foreach (var (raw, number) in text.Split('\n').Select((l, i) => (l.TrimEnd('\r'), i + 1)))
        {
            var line = StripComment(raw);
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (indent == 0)
            {
                inServices = content == "services:";
                service = null;
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            if (indent == 2)
            {
                service = new Service(content.TrimEnd(':'));
                services.Add(service.Name, service);
                section = null;
                continue;
            }

            if (service is null)
            {
                throw new FormatException($"docker-compose.yml:{number}: unexpected line '{content}'.");
            }

            if (indent == 4)
            {
                var (key, value) = SplitPair(content, number);
                section = key;
                switch (key)
                {
                    case "environment" when value.StartsWith('&'):
                        anchors[value[1..]] = service.Environment;
                        break;
                    case "environment" when value.StartsWith('*'):
                        foreach (var pair in anchors[value[1..]])
                        {
                            service.Environment[pair.Key] = pair.Value;
                        }

                        break;
                    case "build":
                        service.BuildTarget = BuildTarget().Match(value) is { Success: true } m ? m.Groups[1].Value : null;
                        break;
                    case "image":
                        service.Image = value;
                        break;
                    case "command":
                        service.Command.AddRange(value.Trim('[', ']').Split(',').Select(Unquote));
                        break;
                }

                continue;
            }

            if (indent == 6 && section == "environment")
            {
                var (key, value) = SplitPair(content, number);
                service.Environment[key] = Unquote(value);
            }
            else if (indent == 6 && section == "volumes")
            {
                service.Volumes.Add(Unquote(content.TrimStart('-', ' ')));
            }
        }

        return new ComposeFile(services);
    }

    /// <summary>Replaces `${NAME}`, `${NAME:-default}` and `${NAME:?message}` as compose does, from <paramref name="variables"/>.</summary>
    public static string Interpolate(string value, IReadOnlyDictionary<string, string> variables) =>
        Variable().Replace(value, m =>
        {
            var name = m.Groups[1].Value;
            if (variables.TryGetValue(name, out var set) && set.Length > 0)
            {
                return set;
            }

            return m.Groups[2].Value == ":-" ? m.Groups[3].Value
                : throw new KeyNotFoundException($"${{{name}}} is not set: {m.Groups[3].Value}");
        });

    private static (string Key, string Value) SplitPair(string content, int number)
    {
        var colon = content.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            ? (Unquote(content[..colon]), content[(colon + 1)..].Trim())
            : throw new FormatException($"docker-compose.yml:{number}: expected 'key: value', got '{content}'.");
    }

    private static string StripComment(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith('#') ? "" : line;
    }

    private static string Unquote(string value)
    {
        value = value.Trim();
        return value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
    }

    [GeneratedRegex(@"target:\s*([A-Za-z0-9_-]+)")]
    private static partial Regex BuildTarget();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}")]
    private static partial Regex Variable();
}
