using AuthServer.Configuration;

namespace AuthServer.Hosting;

/// <summary>Finds the master key: from configuration (e.g. an environment variable) or from keys/master.key.</summary>
public sealed class MasterKeySource(AuthServerOptions options)
{
    public string KeyFilePath => Path.GetFullPath(Path.Combine(options.KeysDirectory, "master.key"));

    public string Describe() => options.MasterKey is { Length: > 0 } ? "configuration (AuthServer:MasterKey)" : KeyFilePath;

    /// <summary>Returns the key, or null when none exists yet.</summary>
    public byte[]? TryLoad()
    {
        if (options.MasterKey is { Length: > 0 } configured)
        {
            return Convert.FromBase64String(configured.Trim());
        }

        if (!File.Exists(KeyFilePath))
        {
            return null;
        }

        return ReadKeyFile(KeyFilePath)
            ?? throw new StartupException($"{KeyFilePath} does not hold a 32-byte base64 master key. Restore the right file.");
    }

    /// <summary>A key file's 32 bytes (one base64 line), or null when it holds anything else.</summary>
    public static byte[]? ReadKeyFile(string path)
    {
        var text = File.ReadAllText(path).Trim();
        return AuthServerOptionsValidator.IsMasterKey(text) ? Convert.FromBase64String(text) : null;
    }

    /// <summary>Creates keys/master.key (mode 0600, folder 0700) with 32 random bytes.</summary>
    public byte[] Create()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        WriteKeyFile(KeyFilePath, key);
        return key;
    }

    /// <summary>Writes a key file readable by its owner only (mode 0600, folder 0700); never over an existing file.</summary>
    /// <exception cref="IOException">The file exists.</exception>
    public static void WriteKeyFile(string path, byte[] key)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(directory);
        }

        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, file);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(Convert.ToBase64String(key));
    }
}

/// <summary>A start-up failure whose message tells the operator what to do.</summary>
public sealed class StartupException(string message) : Exception(message);
