using System.Text;
using AuthServer.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data;

/// <summary>One database for protocol state and for ASP.NET Core Identity's users and roles.</summary>
public sealed class AuthServerDbContext(DbContextOptions<AuthServerDbContext> options)
    : IdentityDbContext<UserEntity, IdentityRole, string>(options)
{
    public DbSet<Entities.ClientEntity> Clients => Set<Entities.ClientEntity>();
    public DbSet<Entities.ClientSecretEntity> ClientSecrets => Set<Entities.ClientSecretEntity>();
    public DbSet<Entities.ApiEntity> Apis => Set<Entities.ApiEntity>();
    public DbSet<Entities.ScopeEntity> Scopes => Set<Entities.ScopeEntity>();
    public DbSet<Entities.TokenEntity> Tokens => Set<Entities.TokenEntity>();
    public DbSet<Entities.SigningKeyEntity> SigningKeys => Set<Entities.SigningKeyEntity>();
    public DbSet<Entities.AuditEventEntity> AuditEvents => Set<Entities.AuditEventEntity>();
    public DbSet<Entities.AuthorizationCodeEntity> AuthorizationCodes => Set<Entities.AuthorizationCodeEntity>();
    public DbSet<Entities.ConsentEntity> Consents => Set<Entities.ConsentEntity>();
    public DbSet<Entities.ClaimTypeEntity> ClaimTypes => Set<Entities.ClaimTypeEntity>();
    public DbSet<Entities.ClientClaimEntity> ClientClaims => Set<Entities.ClientClaimEntity>();
    public DbSet<Entities.DataProtectionKeyEntity> DataProtectionKeys => Set<Entities.DataProtectionKeyEntity>();
    public DbSet<Entities.ClientAssertionJtiEntity> ClientAssertionJtis => Set<Entities.ClientAssertionJtiEntity>();

    /// <summary>
    /// Fixed, so the model (and with it the migrations) never depends on how Identity was configured in the
    /// host: version 2 is Identity's schema without passkeys.
    /// </summary>
    protected override Version SchemaVersion => IdentitySchemaVersions.Version2;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AuthServerDbContext).Assembly);

        // One naming rule for both providers: snake_case columns, so plain SQL needs no quoting anywhere.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
