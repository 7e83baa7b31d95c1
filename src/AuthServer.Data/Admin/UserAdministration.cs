using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AuthServer.Data.Audit;
using AuthServer.Data.Entities;
using AuthServer.Protocol.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Admin.Users;

/// <summary>
/// What admins do to users, through Identity's user manager. Each change runs in one transaction with its audit event
/// (before and after: name, email, roles, lockout, MFA flag, claim values; never a password, hash, stamp or key).
/// Lock, MFA reset and role changes renew the security stamp, so sessions made before are dropped at their next
/// validation; an admin may not lock themselves out, reset their own MFA here or drop their own admin role.
/// </summary>
public sealed class UserAdministration(
    UserManager<UserEntity> users, RoleManager<IdentityRole> roles, AuthServerDbContext db, TimeProvider time)
{
    /// <summary>The role that opens /admin (MfaPolicy.AdminRole in the host): the one role that may be made here.</summary>
    public const string AdminRole = "admin";

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    public async Task<UserList> ListAsync(string? search, int skip, int take, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            // Identity's normalized columns are upper case, so the search ignores case on both providers.
            var needle = users.NormalizeName(search.Trim())!;
            query = query.Where(u => u.NormalizedUserName!.Contains(needle) || (u.NormalizedEmail != null && u.NormalizedEmail.Contains(needle)));
        }

        var total = await query.LongCountAsync(ct);
        var page = await query.OrderBy(u => u.NormalizedUserName).Skip(skip).Take(take)
            .Select(u => new { u.Id, u.UserName, u.Email, u.LockoutEnabled, u.LockoutEnd, u.TwoFactorEnabled, u.CreatedAt })
            .ToListAsync(ct);
        var ids = page.Select(u => u.Id).ToList();
        var memberships = await (from ur in db.UserRoles
                                 join r in db.Roles on ur.RoleId equals r.Id
                                 where ids.Contains(ur.UserId)
                                 select new { ur.UserId, r.Name }).ToListAsync(ct);
        var now = time.GetUtcNow();
        var items = page.Select(u => new UserSummary(
            u.Id, u.UserName ?? u.Id, u.Email, u.LockoutEnabled && u.LockoutEnd > now, u.LockoutEnd, u.TwoFactorEnabled,
            memberships.Where(m => m.UserId == u.Id).Select(m => m.Name ?? "").Order(StringComparer.Ordinal).ToList(),
            u.CreatedAt)).ToList();
        return new UserList(items, total);
    }

    public async Task<UserDetails?> GetAsync(string userName, CancellationToken ct) =>
        await users.FindByNameAsync(userName) is { } user ? await DetailsAsync(user, ct) : null;

    /// <summary>Every role there is, for the roles form.</summary>
    public async Task<IReadOnlyList<string>> RoleNamesAsync(CancellationToken ct) =>
        await roles.Roles.AsNoTracking().Select(r => r.Name!).OrderBy(n => n).ToListAsync(ct);

    /// <summary>Creates a user. All the name's, email's and password's errors are reported together; the password is never kept.</summary>
    public async Task<ChangeResult<UserDetails>> CreateAsync(NewUser request, AdminCaller caller, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors.Add(new FieldError("userName", "Give the name the user signs in with."));
        }

        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && (email.Length > 256 || !new EmailAddressAttribute().IsValid(email)))
        {
            errors.Add(new FieldError("email", "This is not an email address."));
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(new FieldError("password", "Give an initial password."));
        }

        var user = new UserEntity { UserName = request.UserName?.Trim(), Email = email, CreatedAt = time.GetUtcNow() };
        // Identity's own rules (name characters, uniqueness, password policy), all at once rather than first-failure.
        if (!string.IsNullOrWhiteSpace(user.UserName))
        {
            foreach (var validator in users.UserValidators)
            {
                errors.AddRange(FieldErrors(await validator.ValidateAsync(users, user)));
            }
        }

        if (!string.IsNullOrEmpty(request.Password))
        {
            foreach (var validator in users.PasswordValidators)
            {
                errors.AddRange(FieldErrors(await validator.ValidateAsync(users, user, request.Password)));
            }
        }

        if (errors.Count > 0)
        {
            return ChangeResult<UserDetails>.Invalid([.. errors.DistinctBy(e => (e.Field, e.Message))]);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (Failed<UserDetails>(await users.CreateAsync(user, request.Password!)) is { } failed)
        {
            return failed;
        }

        var after = await DetailsAsync(user, ct);
        await AuditAsync("admin.user.created", caller, user, null, after, ct);
        await transaction.CommitAsync(ct);
        return ChangeResult<UserDetails>.Ok(after);
    }

    /// <summary>Locks the account until <paramref name="until"/>, or for good when null. Its sessions end at their next validation.</summary>
    public Task<ChangeResult<UserDetails>> LockAsync(string userName, DateTimeOffset? until, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(userName, "admin.user.locked", caller, async user =>
        {
            if (user.Id == caller.UserId)
            {
                return ChangeResult<UserDetails>.Refused("You cannot lock your own account: another admin could not let you back in.");
            }

            if (until is { } end && end <= time.GetUtcNow())
            {
                return ChangeResult<UserDetails>.Invalid(new FieldError("until", "Give a time in the future, or none to lock until unlocked."));
            }

            return Failed<UserDetails>(await users.SetLockoutEnabledAsync(user, true))
                ?? Failed<UserDetails>(await users.SetLockoutEndDateAsync(user, until ?? DateTimeOffset.MaxValue))
                ?? Failed<UserDetails>(await users.UpdateSecurityStampAsync(user));
        }, ct);

    public Task<ChangeResult<UserDetails>> UnlockAsync(string userName, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(userName, "admin.user.unlocked", caller, async user =>
            Failed<UserDetails>(await users.SetLockoutEndDateAsync(user, null))
            ?? Failed<UserDetails>(await users.ResetAccessFailedCountAsync(user)), ct);

    /// <summary>
    /// Turns two-factor sign-in off, replaces the authenticator key and drops the recovery codes: the user signs in with
    /// the password alone until they enrol again (and an admin has no admin access until then).
    /// </summary>
    public Task<ChangeResult<UserDetails>> ResetMfaAsync(string userName, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(userName, "admin.user.mfa_reset", caller, async user =>
        {
            if (user.Id == caller.UserId)
            {
                return ChangeResult<UserDetails>.Refused(
                    "You cannot reset your own MFA here: it would end your admin access. Use your account's MFA page to change your authenticator.");
            }

            // ResetAuthenticatorKeyAsync also renews the security stamp.
            return Failed<UserDetails>(await users.SetTwoFactorEnabledAsync(user, false))
                ?? Failed<UserDetails>(await users.ResetAuthenticatorKeyAsync(user))
                ?? (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0) is null
                    ? ChangeResult<UserDetails>.Conflict("The recovery codes could not be cleared.")
                    : null);
        }, ct);

    /// <summary>
    /// Makes the user's roles exactly <paramref name="wanted"/>: existing roles only, except that "admin" is made when
    /// missing. Errors are keyed "roles[i]".
    /// </summary>
    public Task<ChangeResult<UserDetails>> SetRolesAsync(string userName, IReadOnlyList<string?> wanted, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(userName, "admin.user.roles_changed", caller, async user =>
        {
            var names = new List<string>();
            var errors = new List<FieldError>();
            for (var i = 0; i < wanted.Count; i++)
            {
                var name = wanted[i]?.Trim();
                if (string.IsNullOrEmpty(name))
                {
                    errors.Add(new FieldError($"roles[{i}]", "A role name cannot be empty."));
                }
                else if (await roles.FindByNameAsync(name) is { } role)
                {
                    names.Add(role.Name!);
                }
                else if (string.Equals(name, AdminRole, StringComparison.OrdinalIgnoreCase))
                {
                    names.Add(AdminRole);
                }
                else
                {
                    errors.Add(new FieldError($"roles[{i}]", $"There is no role '{name}'."));
                }
            }

            if (errors.Count > 0)
            {
                return ChangeResult<UserDetails>.Invalid([.. errors]);
            }

            var current = await users.GetRolesAsync(user);
            if (user.Id == caller.UserId && current.Contains(AdminRole, StringComparer.OrdinalIgnoreCase)
                && !names.Contains(AdminRole, StringComparer.OrdinalIgnoreCase))
            {
                return ChangeResult<UserDetails>.Refused("You cannot remove your own admin role: ask another admin, so that someone can always get back in.");
            }

            if (names.Contains(AdminRole) && !await roles.RoleExistsAsync(AdminRole)
                && Failed<UserDetails>(await roles.CreateAsync(new IdentityRole(AdminRole))) is { } notMade)
            {
                return notMade;
            }

            var remove = current.Except(names, StringComparer.OrdinalIgnoreCase).ToList();
            var add = names.Distinct(StringComparer.OrdinalIgnoreCase).Except(current, StringComparer.OrdinalIgnoreCase).ToList();
            return Failed<UserDetails>(remove.Count > 0 ? await users.RemoveFromRolesAsync(user, remove) : IdentityResult.Success)
                ?? Failed<UserDetails>(add.Count > 0 ? await users.AddToRolesAsync(user, add) : IdentityResult.Success)
                ?? Failed<UserDetails>(await users.UpdateSecurityStampAsync(user));
        }, ct);

    /// <summary>Replaces the user's claim values (API shape: type → value or values, as JSON).</summary>
    public async Task<ChangeResult<UserDetails>> SetClaimsAsync(
        string userName, IReadOnlyDictionary<string, JsonElement> claims, AdminCaller caller, CancellationToken ct)
    {
        var (values, errors) = UserClaimValues.FromJson(claims, await UserClaimValues.KnownTypesAsync(db, ct));
        return errors.Count > 0 ? ChangeResult<UserDetails>.Invalid([.. errors]) : await ReplaceClaimsAsync(userName, values, caller, ct);
    }

    /// <summary>Replaces the user's claim values (page shape: "type = value" lines); errors are keyed by <paramref name="field"/>.</summary>
    public async Task<ChangeResult<UserDetails>> SetClaimLinesAsync(string userName, string? lines, string field, AdminCaller caller, CancellationToken ct)
    {
        var (values, errors) = UserClaimValues.FromLines(lines, await UserClaimValues.KnownTypesAsync(db, ct), field);
        return errors.Count > 0 ? ChangeResult<UserDetails>.Invalid([.. errors]) : await ReplaceClaimsAsync(userName, values, caller, ct);
    }

    private Task<ChangeResult<UserDetails>> ReplaceClaimsAsync(
        string userName, IReadOnlyList<(string Type, string Value)> values, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(userName, "admin.user.claims_changed", caller, async user =>
        {
            var stored = await db.UserClaims.Where(c => c.UserId == user.Id).ToListAsync(ct);
            db.UserClaims.RemoveRange(stored);
            db.UserClaims.AddRange(values.Distinct().Select(v => new IdentityUserClaim<string> { UserId = user.Id, ClaimType = v.Type, ClaimValue = v.Value }));
            await db.SaveChangesAsync(ct);
            return null;
        }, ct);

    /// <summary>
    /// Finds the user, runs <paramref name="change"/> in a transaction and, when it returns null (success), audits before
    /// and after in the same transaction. A failure rolls everything back.
    /// </summary>
    private async Task<ChangeResult<UserDetails>> ChangeAsync(
        string userName, string action, AdminCaller caller, Func<UserEntity, Task<ChangeResult<UserDetails>?>> change, CancellationToken ct)
    {
        if (await users.FindByNameAsync(userName) is not { } user)
        {
            return ChangeResult<UserDetails>.NotFound($"There is no user '{userName}'.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = await DetailsAsync(user, ct);
        if (await change(user) is { } failed)
        {
            return failed;
        }

        var after = await DetailsAsync(user, ct);
        await AuditAsync(action, caller, user, before, after, ct);
        await transaction.CommitAsync(ct);
        return ChangeResult<UserDetails>.Ok(after);
    }

    private async Task<UserDetails> DetailsAsync(UserEntity user, CancellationToken ct)
    {
        var roleNames = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        var claims = await db.UserClaims.AsNoTracking().Where(c => c.UserId == user.Id).OrderBy(c => c.ClaimType).ThenBy(c => c.Id)
            .Select(c => new { c.ClaimType, c.ClaimValue }).ToListAsync(ct);
        return new UserDetails(
            user.Id, user.UserName ?? user.Id, user.Email, await users.IsLockedOutAsync(user), user.LockoutEnd, user.TwoFactorEnabled, roleNames,
            claims.GroupBy(c => c.ClaimType ?? "", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(c => c.ClaimValue ?? "").ToList(), StringComparer.Ordinal),
            user.CreatedAt);
    }

    private async Task AuditAsync(string action, AdminCaller caller, UserEntity user, UserDetails? before, UserDetails after, CancellationToken ct)
    {
        var data = JsonSerializer.Serialize(new { before = before?.Audited, after = after.Audited }, AuditJson);
        await AuditLog.AppendAsync(db,
        [
            new AuditEvent(time.GetUtcNow(), action, "success", Subject: user.Id, Target: $"user:{after.UserName}",
                Actor: caller.Actor, Source: caller.Source, Data: data),
        ], ct);
    }

    private static ChangeResult<T>? Failed<T>(IdentityResult result)
    {
        if (result.Succeeded)
        {
            return null;
        }

        // Two admins changed the same user at once: Identity's concurrency stamp caught it; nothing was written.
        return result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
            ? ChangeResult<T>.Conflict("The user was changed by someone else at the same time. Reload and try again.")
            : ChangeResult<T>.Invalid([.. FieldErrors(result)]);
    }

    /// <summary>Identity's errors, placed beside the field they are about.</summary>
    private static IEnumerable<FieldError> FieldErrors(IdentityResult result) => result.Errors.Select(e => new FieldError(
        e.Code switch
        {
            _ when e.Code.StartsWith("Password", StringComparison.Ordinal) => "password",
            nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.InvalidUserName) => "userName",
            nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.InvalidEmail) => "email",
            nameof(IdentityErrorDescriber.DuplicateRoleName) or nameof(IdentityErrorDescriber.InvalidRoleName) => "roles",
            _ => "$",
        },
        e.Description));
}
