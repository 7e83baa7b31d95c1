using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using AuthServer.Data.Entities;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthServer.Account;

/// <summary>
/// Identity's sign-in manager, with a session id (<c>sid</c>, OpenID Connect Front-Channel Logout §2) on every
/// session it starts; ID tokens carry it so that a relying party can tell sessions apart.
/// </summary>
public sealed class AuthServerSignInManager(
    UserManager<UserEntity> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<UserEntity> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<UserEntity>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<UserEntity> confirmation)
    : SignInManager<UserEntity>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public const string SessionIdClaim = "sid";

    public override Task SignInWithClaimsAsync(UserEntity user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        if (!claims.Any(c => c.Type == SessionIdClaim))
        {
            claims.Add(new Claim(SessionIdClaim, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16))));
        }

        return base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }
}
