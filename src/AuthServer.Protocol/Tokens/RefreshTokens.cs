using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using AuthServer.Protocol.Clients;
using AuthServer.Protocol.Keys;

namespace AuthServer.Protocol.Tokens;

/// <summary>
/// Refresh tokens: opaque handles like access tokens, stored by hash, rotated on every use. A token's successor
/// is derived from it (the same time prefix, then HMAC-SHA256 of the token under a key derived from the master
/// key), so two requests that race with one token compute the same successor without sharing anything else.
/// </summary>
public sealed class RefreshTokens(ITokenStore store, TimeProvider time)
{
    private byte[]? _successorKey;

    /// <summary>Called at start, once the master key is open.</summary>
    public void UseMasterKey(MasterKeyProtector protector) => _successorKey = protector.DeriveKey("refresh-token-successor");

    /// <summary>The first refresh token of a grant.</summary>
    public async Task<string> IssueAsync(
        Client client, string subject, IReadOnlyList<string> scopes, IReadOnlyList<string> audiences, string familyId,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var value = OpaqueHandle.Create(now);
        await store.AddAsync(Record(value, client, subject, scopes, audiences, familyId, now, now + client.RefreshTokenLifetime), cancellationToken);
        return value;
    }

    public string SuccessorOf(string presented)
    {
        var key = _successorKey ?? throw new InvalidOperationException("The refresh-token key is not loaded.");
        var mac = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(presented));
        return string.Concat(presented.AsSpan(0, 12), Base64Url.EncodeToString(mac));
    }

    /// <summary>
    /// Stores the successor of <paramref name="parent"/>, unless a racing request already did. Sliding expiry,
    /// never past the family's absolute end.
    /// </summary>
    public async Task AddSuccessorAsync(TokenRecord parent, string successor, Client client, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = Record(successor, client, parent.Subject, parent.Scopes, parent.Audiences, parent.FamilyId, now,
            parent.AbsoluteExpiresAt ?? parent.ExpiresAt);
        try
        {
            await store.AddAsync(record, cancellationToken);
        }
        catch (DbException)
        {
            // The other request of the race stored it first (the same token): nothing to do. Anything else fails.
            if (await store.FindAsync(record.Id, cancellationToken) is null)
            {
                throw;
            }
        }
    }

    private static TokenRecord Record(
        string value, Client client, string subject, IReadOnlyList<string> scopes, IReadOnlyList<string> audiences, string familyId,
        DateTimeOffset now, DateTimeOffset absoluteEnd)
    {
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var idleEnd = issuedAt + client.RefreshTokenIdleLifetime;
        return new TokenRecord
        {
            Id = OpaqueHandle.Hash(value),
            Jti = OpaqueHandle.NewId(now),
            Kind = TokenKind.RefreshToken,
            Format = AccessTokenFormat.Opaque,
            ClientId = client.ClientId,
            Subject = subject,
            Scopes = scopes,
            Audiences = audiences,
            IssuedAt = issuedAt,
            ExpiresAt = idleEnd < absoluteEnd ? idleEnd : absoluteEnd,
            AbsoluteExpiresAt = absoluteEnd,
            FamilyId = familyId,
        };
    }
}
