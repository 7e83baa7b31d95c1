using AuthServer.Protocol.Keys;

namespace AuthServer.Hosting;

/// <summary>Holds the current key ring; <see cref="ReloadAsync"/> swaps in a fresh one from the store.</summary>
public sealed class SigningKeyRingSource(ISigningKeyStore store) : ISigningKeyRingSource
{
    private volatile SigningKeyRing _current = new([]);
    private MasterKeyProtector? _protector;
    private string? _signature;
    private MasterKeyProtector? _signedWith;

    public SigningKeyRing Current => _current;

    public void UseMasterKey(MasterKeyProtector protector) => _protector = protector;

    /// <summary>The master key's protector, once the start has loaded it.</summary>
    public MasterKeyProtector Protector => _protector ?? throw new InvalidOperationException("The master key is not loaded.");

    public async Task<SigningKeyRing> ReloadAsync(CancellationToken cancellationToken)
    {
        var protector = _protector ?? throw new InvalidOperationException("The master key is not loaded.");
        var stored = await store.LoadAsync(cancellationToken);

        // Keys change rarely and are reloaded often: open them again only when a key or a state changed.
        var signature = string.Join(';', stored.Select(k => $"{k.Kid}:{k.State}"));
        if (signature == _signature && ReferenceEquals(protector, _signedWith))
        {
            return _current;
        }

        List<SigningKey> keys;
        try
        {
            keys = SigningKeyFactory.OpenAll(stored, protector);
        }
        catch (MasterKeyMismatchException e)
        {
            throw new StartupException(
                $"Signing key {e.Kid} cannot be decrypted with the master key in use. The master key is wrong: " +
                "restore the original keys/master.key (or AuthServer:MasterKey). New keys are never made over old ones.");
        }

        var ring = new SigningKeyRing(keys);
        _current = ring;
        (_signature, _signedWith) = (signature, protector);
        return ring;
    }
}
