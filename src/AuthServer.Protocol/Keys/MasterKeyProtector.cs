using System.Security.Cryptography;
using System.Text;

namespace AuthServer.Protocol.Keys;

/// <summary>
/// Encrypts private key material at rest with AES-256-GCM under the master key. The key id is bound as
/// associated data, so a ciphertext cannot be moved to another key's row.
/// Layout: version (1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class MasterKeyProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public MasterKeyProtector(byte[] masterKey)
    {
        if (masterKey.Length != 32)
        {
            throw new ArgumentException("The master key must be exactly 32 bytes.", nameof(masterKey));
        }

        _key = masterKey.ToArray();
    }

    /// <summary>A key for one purpose, derived from the master key with HKDF-SHA256 (RFC 5869): never the master key itself.</summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, salt: [], info: Encoding.UTF8.GetBytes("authserver/" + purpose));

    public byte[] Protect(ReadOnlySpan<byte> plaintext, string kid)
    {
        var output = new byte[1 + NonceSize + TagSize + plaintext.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(kid));
        return output;
    }

    /// <exception cref="CryptographicException">The master key is wrong or the data was altered.</exception>
    public byte[] Unprotect(ReadOnlySpan<byte> protectedData, string kid)
    {
        if (protectedData.Length < 1 + NonceSize + TagSize || protectedData[0] != Version)
        {
            throw new CryptographicException("The protected key material has an unknown format.");
        }

        var plaintext = new byte[protectedData.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedData.Slice(1, NonceSize), protectedData[(1 + NonceSize + TagSize)..],
            protectedData.Slice(1 + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(kid));
        return plaintext;
    }
}
