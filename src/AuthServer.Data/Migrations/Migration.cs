using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Data.Migrations;

/// <summary>One versioned SQL script from migrations/&lt;provider&gt;/NNNN_name.sql.</summary>
public sealed record Migration(string Version, string Name, string Sql, string Checksum)
{
    public static IReadOnlyList<Migration> Load(DatabaseProvider provider)
    {
        var prefix = $"migrations/{FolderName(provider)}/";
        var assembly = typeof(Migration).Assembly;
        // Match on a '/'-normalised name (RecursiveDir uses '\\' on Windows) but open the resource by its real name.
        return assembly.GetManifestResourceNames()
            .Select(n => (Resource: n, Normalised: n.Replace('\\', '/')))
            .Where(n => n.Normalised.StartsWith(prefix, StringComparison.Ordinal) && n.Normalised.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => FromResource(assembly, n.Resource, n.Normalised, prefix))
            .OrderBy(m => m.Version, StringComparer.Ordinal)
            .ToList();
    }

    public static string FolderName(DatabaseProvider provider) =>
        provider == DatabaseProvider.Sqlite ? "sqlite" : "postgresql";

    private static Migration FromResource(Assembly assembly, string resource, string normalised, string prefix)
    {
        var file = normalised[prefix.Length..^".sql".Length];
        var underscore = file.IndexOf('_', StringComparison.Ordinal);
        if (underscore != 4 || !file[..4].All(char.IsAsciiDigit))
        {
            throw new InvalidOperationException($"Migration file '{resource}' must be named NNNN_name.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Migration '{resource}' is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new Migration(file[..4], file[5..], sql, checksum);
    }
}
