using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class ConsentConfiguration : IEntityTypeConfiguration<ConsentEntity>
{
    public void Configure(EntityTypeBuilder<ConsentEntity> b)
    {
        b.ToTable("consents");
        b.HasKey(c => c.Id);
        b.Property(c => c.UserId).HasMaxLength(200).IsRequired();
        b.Property(c => c.ClientId).HasMaxLength(200).IsRequired();
        b.Property(c => c.Scopes).IsRequired();
        b.HasIndex(c => new { c.UserId, c.ClientId }).IsUnique();
    }
}
