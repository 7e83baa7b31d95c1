using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKeyEntity>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyEntity> b)
    {
        b.ToTable("data_protection_keys");
        b.HasKey(k => k.Id);
        b.Property(k => k.FriendlyName).HasMaxLength(200).IsRequired();
        b.Property(k => k.Xml).IsRequired();
    }
}
