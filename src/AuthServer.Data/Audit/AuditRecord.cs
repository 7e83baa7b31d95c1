using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AuthServer.Protocol.Audit;

namespace AuthServer.Data.Audit;

/// <summary>
/// An audit entry exactly as stored: the fields after the column caps, its place in the chain and its hashes.
/// The hash covers every stored field, so what is hashed is what a later reader sees.
/// </summary>
public sealed record AuditRecord(
    long Sequence,
    long OccurredAt,
    string Action,
    string Outcome,
    string? Actor,
    string? ClientId,
    string? Subject,
    string? Target,
    string? Source,
    string? Detail,
    string? Data,
    string PreviousHash,
    string Hash)
{
    /// <summary>The previous hash of the first entry ever written.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The stored form of <paramref name="e"/> at <paramref name="sequence"/>, after <paramref name="previousHash"/>.</summary>
    public static AuditRecord Seal(AuditEvent e, long sequence, string previousHash)
    {
        var fields = new AuditRecord(
            sequence, e.OccurredAt.ToUnixTimeMilliseconds(),
            Stored(e.Action, AuditColumns.Action)!, Stored(e.Outcome, AuditColumns.Outcome)!,
            Stored(e.Actor, AuditColumns.Actor), Stored(e.ClientId, AuditColumns.ClientId), Stored(e.Subject, AuditColumns.Subject),
            Stored(e.Target, AuditColumns.Target), Stored(e.Source, AuditColumns.Source), Stored(e.Detail, AuditColumns.Detail),
            Stored(e.Data, int.MaxValue), previousHash, "");
        return fields with { Hash = fields.ComputeHash() };
    }

    /// <summary>
    /// SHA-256 over a version tag, the previous hash and every field, each length-prefixed (see docs/audit.md), as
    /// lowercase hex. No two different entries encode to the same bytes, so no field can be shifted into another.
    /// </summary>
    public string ComputeHash()
    {
        var buffer = new FieldWriter();
        buffer.Text(FormatTag);
        buffer.Text(PreviousHash);
        buffer.Number(Sequence);
        buffer.Number(OccurredAt);
        foreach (var field in (string?[])[Action, Outcome, Actor, ClientId, Subject, Target, Source, Detail, Data])
        {
            buffer.Text(field);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.Written));
    }

    private const string FormatTag = "authserver-audit-v1";

    /// <summary>
    /// What the database will hold for <paramref name="value"/>: cut to the column's length (never inside a surrogate
    /// pair), with a NUL or a lone surrogate replaced by U+FFFD, which both providers store and return unchanged.
    /// </summary>
    public static string? Stored(string? value, int max)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > max)
        {
            value = value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];
        }

        return NeedsCleaning(value) ? Clean(value) : value;
    }

    private static bool NeedsCleaning(string value)
    {
        foreach (var c in value)
        {
            if (c == '\0' || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    private static string Clean(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Field encoding: a number is 'I' and 8 bytes big-endian; text is 'N' when null, else 'S', a 4-byte big-endian UTF-8 length and the bytes.</summary>
    private sealed class FieldWriter
    {
        private byte[] _bytes = new byte[512];
        private int _length;

        public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, _length);

        public void Number(long value)
        {
            var span = Reserve(9);
            span[0] = (byte)'I';
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
        }

        public void Text(string? value)
        {
            if (value is null)
            {
                Reserve(1)[0] = (byte)'N';
                return;
            }

            var span = Reserve(5 + Encoding.UTF8.GetMaxByteCount(value.Length));
            var count = Encoding.UTF8.GetBytes(value, span[5..]);
            span[0] = (byte)'S';
            BinaryPrimitives.WriteInt32BigEndian(span[1..5], count);
            _length -= span.Length - 5 - count;
        }

        private Span<byte> Reserve(int count)
        {
            if (_length + count > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + count));
            }

            var span = _bytes.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }
}

/// <summary>The audit_events column lengths (AuditEventConfiguration): values are cut to them before hashing.</summary>
public static class AuditColumns
{
    public const int Action = 100;
    public const int Outcome = 50;
    public const int Actor = 200;
    public const int ClientId = 200;
    public const int Subject = 200;
    public const int Target = 400;
    public const int Source = 100;
    public const int Detail = 2000;
    public const int Hash = 64;
}
