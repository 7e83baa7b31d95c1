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
        b.HasMany(c => c.Secrets).WithOne().HasForeignKey(s => s.ClientId).OnDelete(DeleteBehavior.Cascade);
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
