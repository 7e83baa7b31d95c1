using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class ApiConfiguration : IEntityTypeConfiguration<ApiEntity>
{
    public void Configure(EntityTypeBuilder<ApiEntity> b)
    {
        b.ToTable("apis");
        b.HasKey(a => a.Id);
        b.HasIndex(a => a.Name).IsUnique();
        b.Property(a => a.Name).HasMaxLength(400).IsRequired();
        b.Property(a => a.DisplayName).HasMaxLength(200);
        b.Property(a => a.SigningAlgorithm).HasMaxLength(10).IsRequired();
        b.Property(a => a.Internal).HasDefaultValue(false);
    }
}

internal sealed class ScopeConfiguration : IEntityTypeConfiguration<ScopeEntity>
{
    public void Configure(EntityTypeBuilder<ScopeEntity> b)
    {
        b.ToTable("scopes");
        b.HasKey(s => s.Id);
        b.HasIndex(s => s.Name).IsUnique();
        b.Property(s => s.Name).HasMaxLength(200).IsRequired();
        b.Property(s => s.Description).HasMaxLength(1000);
    }
}

internal sealed class ClaimTypeConfiguration : IEntityTypeConfiguration<ClaimTypeEntity>
{
    public void Configure(EntityTypeBuilder<ClaimTypeEntity> b)
    {
        b.ToTable("claim_types");
        b.HasKey(c => c.Id);
        b.HasIndex(c => c.Name).IsUnique();
        b.Property(c => c.Name).HasMaxLength(200).IsRequired();
        b.Property(c => c.Description).HasMaxLength(1000);
        b.Property(c => c.ValueType).HasMaxLength(20).IsRequired();
    }
}
