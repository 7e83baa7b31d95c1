using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class TokenConfiguration : IEntityTypeConfiguration<TokenEntity>
{
    public void Configure(EntityTypeBuilder<TokenEntity> b)
    {
        b.ToTable("tokens");
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).HasMaxLength(64);
        b.Property(t => t.Jti).HasMaxLength(64).IsRequired();
        b.Property(t => t.Kind).HasMaxLength(20).IsRequired();
        b.Property(t => t.Format).HasMaxLength(10).IsRequired();
        b.Property(t => t.ClientId).HasMaxLength(200).IsRequired();
        b.Property(t => t.Subject).HasMaxLength(200).IsRequired();
        b.Property(t => t.Scopes).IsRequired();
        b.Property(t => t.Audiences).IsRequired();
        b.Property(t => t.Status).HasMaxLength(10).IsRequired();
        b.Property(t => t.FamilyId).HasMaxLength(64).IsRequired();
        b.Property(t => t.SuccessorId).HasMaxLength(64);

        // Pruning scans by prune time; family revocation by family id.
        b.HasIndex(t => t.PruneAfter);
        b.HasIndex(t => t.FamilyId);

        // The admin pages and API find tokens by client or by user, newest first (migration 0011). Each index costs every
        // token insert (measured: about 4 % of opaque issuance each on SQLite), so the jti has none: see TokenAdministration.
        b.HasIndex(t => new { t.ClientId, t.IssuedAt });
        b.HasIndex(t => new { t.Subject, t.IssuedAt });
    }
}

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKeyEntity>
{
    public void Configure(EntityTypeBuilder<SigningKeyEntity> b)
    {
        b.ToTable("signing_keys");
        b.HasKey(k => k.Kid);
        b.Property(k => k.Kid).HasMaxLength(64);
        b.Property(k => k.Algorithm).HasMaxLength(10).IsRequired();
        b.Property(k => k.State).HasMaxLength(10).IsRequired();
        b.Property(k => k.PublicJwk).IsRequired();
        b.Property(k => k.EncryptedPrivateKey).IsRequired();
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEventEntity>
{
    public void Configure(EntityTypeBuilder<AuditEventEntity> b)
    {
        b.ToTable("audit_events");
        b.HasKey(e => e.Id);
        b.Property(e => e.Action).HasMaxLength(100).IsRequired();
        b.Property(e => e.Outcome).HasMaxLength(50).IsRequired();
        b.Property(e => e.ClientId).HasMaxLength(200);
        b.Property(e => e.Subject).HasMaxLength(200);
        b.Property(e => e.Target).HasMaxLength(400);
        b.Property(e => e.Detail).HasMaxLength(2000);
        b.Property(e => e.Actor).HasMaxLength(200);
        b.Property(e => e.Source).HasMaxLength(100);
        b.Property(e => e.PreviousHash).HasMaxLength(64);
        b.Property(e => e.Hash).HasMaxLength(64);
        b.HasIndex(e => e.OccurredAt);

        // One entry per place in the chain; verify and export walk it in this order.
        b.HasIndex(e => e.Sequence).IsUnique();
    }
}
