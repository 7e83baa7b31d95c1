using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class ClientConfiguration : IEntityTypeConfiguration<ClientEntity>
{
    public void Configure(EntityTypeBuilder<ClientEntity> b)
    {
        b.ToTable("clients");
        b.HasKey(c => c.Id);
        b.HasIndex(c => c.ClientId).IsUnique();
        b.Property(c => c.ClientId).HasMaxLength(200).IsRequired();
        b.Property(c => c.DisplayName).HasMaxLength(200);
        b.Property(c => c.Type).HasMaxLength(20).IsRequired();
        b.Property(c => c.AccessTokenFormat).HasMaxLength(20).IsRequired();

        // Defaults equal to the entity's initial values, so migration 0003 can add the columns to existing rows.
        b.Property(c => c.PkceOptional).HasDefaultValue(false);
        b.Property(c => c.RequireConsent).HasDefaultValue(false);
        b.Property(c => c.RequireMfa).HasDefaultValue(false);
        b.Property(c => c.IdTokenSigningAlgorithm).HasMaxLength(10).IsRequired().HasDefaultValue("RS256");
        b.Property(c => c.RefreshTokenLifetimeSeconds).HasDefaultValue(30 * 86_400);
        b.Property(c => c.RefreshTokenIdleSeconds).HasDefaultValue(14 * 86_400);

        // Migration 0010; null on existing rows (no origins).
        b.Property(c => c.AllowedCorsOrigins);

        // Migration 0012; null on existing rows (no keys).
        b.Property(c => c.Jwks);
        b.HasMany(c => c.Secrets).WithOne().HasForeignKey(s => s.ClientId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Claims).WithOne().HasForeignKey(s => s.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ClientClaimConfiguration : IEntityTypeConfiguration<ClientClaimEntity>
{
    public void Configure(EntityTypeBuilder<ClientClaimEntity> b)
    {
        b.ToTable("client_claims");
        b.HasKey(c => c.Id);
        b.Property(c => c.Type).HasMaxLength(200).IsRequired();
        b.Property(c => c.Value).HasMaxLength(4000).IsRequired();
    }
}

internal sealed class ClientSecretConfiguration : IEntityTypeConfiguration<ClientSecretEntity>
{
    public void Configure(EntityTypeBuilder<ClientSecretEntity> b)
    {
        b.ToTable("client_secrets");
        b.HasKey(s => s.Id);
        b.Property(s => s.Hash).HasMaxLength(100).IsRequired();
    }
}
