using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthServer.Data.Configurations;

internal sealed class AuthorizationCodeConfiguration : IEntityTypeConfiguration<AuthorizationCodeEntity>
{
    public void Configure(EntityTypeBuilder<AuthorizationCodeEntity> b)
    {
        b.ToTable("authorization_codes");
        b.HasKey(c => c.Id);
        b.Property(c => c.Id).HasMaxLength(64);
        b.Property(c => c.ClientId).HasMaxLength(200).IsRequired();
        b.Property(c => c.Subject).HasMaxLength(200).IsRequired();
        b.Property(c => c.RedirectUri).HasMaxLength(2000).IsRequired();
        b.Property(c => c.Scopes).IsRequired();
        b.Property(c => c.Audiences).IsRequired();
        b.Property(c => c.CodeChallenge).HasMaxLength(43);
        b.Property(c => c.Nonce).HasMaxLength(500);
        b.Property(c => c.Amr).HasMaxLength(100).IsRequired();
        b.Property(c => c.SessionId).HasMaxLength(64);
        b.Property(c => c.FamilyId).HasMaxLength(64).IsRequired();

        // Pruning removes codes past their expiry.
        b.HasIndex(c => c.ExpiresAt);
    }
}
