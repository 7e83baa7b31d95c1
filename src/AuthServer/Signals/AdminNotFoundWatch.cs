using System.Security.Claims;
using AuthServer.Admin;
using Microsoft.AspNetCore.Authentication;

namespace AuthServer.Signals;

/// <summary>Counts the admin API's 404 answers per caller: walking ids to see which exist looks like many of them.</summary>
public static class AdminNotFoundWatch
{
    public static void UseAdminNotFoundWatch(this IApplicationBuilder api)
    {
        var signals = api.ApplicationServices.GetRequiredService<AbuseSignals>();
        api.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status404NotFound)
            {
                var source = RequestSource.Of(context);
                var caller = await CallerAsync(context);
                signals.AdminNotFound(caller is null ? "ip:" + source : AdminAccess.Actor(caller), source);
            }
        });
    }

    /// <summary>
    /// The bearer the admin policy authenticated; a path no endpoint matches has no policy, so the token is read here
    /// (only on a 404, never on the way in).
    /// </summary>
    private static async Task<ClaimsPrincipal?> CallerAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            return context.User;
        }

        var result = await context.AuthenticateAsync(AdminAccess.ApiScheme);
        return result.Succeeded ? result.Principal : null;
    }
}
