using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class ClientAssertionJtiConfiguration : IEntityTypeConfiguration<ClientAssertionJtiEntity>
{
    public void Configure(EntityTypeBuilder<ClientAssertionJtiEntity> b)
    {
        b.ToTable("client_assertion_jtis");

        // The key is what makes a jti single-use: the second insert of one (client, jti) finds it taken.
        b.HasKey(j => new { j.ClientId, j.Jti });
        b.Property(j => j.ClientId).HasMaxLength(200);
        b.Property(j => j.Jti).HasMaxLength(200);

        // Pruning removes rows past their expiry.
        b.HasIndex(j => j.ExpiresAt);
    }
}
