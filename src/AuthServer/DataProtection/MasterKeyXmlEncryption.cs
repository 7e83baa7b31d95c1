using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using AuthServer.Hosting;
using AuthServer.Protocol.Keys;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace AuthServer.DataProtection;

/// <summary>
/// Keeps Data Protection keys encrypted at rest: the secret part of each key is sealed with AES-256-GCM under a key
/// derived from the master key (so the database alone opens nothing, as for signing keys). Data Protection hands
/// over only the element that holds the secret; the key's id and dates stay readable.
/// </summary>
/// <remarks>
/// The master key is read on first use, not at construction: <see cref="StartupInitializer"/> creates it on a first
/// start, and Data Protection builds its key ring only after that has run.
/// </remarks>
public sealed class MasterKeyXmlEncryption(MasterKeySource masterKeys)
{
    private const string Purpose = "data-protection";
    private const string AssociatedData = "authserver/data-protection-key";
    private MasterKeyProtector? _protector;

    public XElement Seal(XElement secret)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret.ToString(SaveOptions.DisableFormatting));
        try
        {
            return new XElement("encryptedKey",
                new XComment(" Encrypted with a key derived from AuthServer's master key (AES-256-GCM). "),
                new XElement("value", Convert.ToBase64String(Protector.Protect(plaintext, AssociatedData))));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <exception cref="CryptographicException">The master key is not the one the key was sealed with.</exception>
    public XElement Open(XElement encryptedKey)
    {
        var value = encryptedKey.Element("value")?.Value
            ?? throw new CryptographicException("The encrypted Data Protection key has no value.");
        var plaintext = Protector.Unprotect(Convert.FromBase64String(value), AssociatedData);
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private MasterKeyProtector Protector => _protector ??= Load();

    private MasterKeyProtector Load()
    {
        var masterKey = masterKeys.TryLoad()
            ?? throw new InvalidOperationException("Data Protection needs the master key before it has been created; start the host through AuthServerApp.");
        return new MasterKeyProtector(new MasterKeyProtector(masterKey).DeriveKey(Purpose));
    }
}

/// <summary>What Data Protection calls to seal a new key's secret.</summary>
public sealed class MasterKeyXmlEncryptor(MasterKeyXmlEncryption encryption) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(encryption.Seal(plaintextElement), typeof(MasterKeyXmlDecryptor));
}

/// <summary>Named by type in each stored key; Data Protection creates it with the application's services.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        services.GetRequiredService<MasterKeyXmlEncryption>().Open(encryptedElement);
}
