using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Admin;

/// <summary>/admin/users pages without JavaScript: list, create, lock with confirmation, MFA reset, roles, claim values.</summary>
public abstract class UsersPageTests(ServerFixture fixture)
{
    private AuthServerHost Server => fixture.Host;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<string> FollowAsync(PageSession session, HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await session.GetPageAsync(response.Headers.Location!.OriginalString);
    }

    private async Task<bool> PasswordSignInWorksAsync(string name, string password)
    {
        using var browser = new PageSession(Server);
        using var response = await browser.SubmitAsync("/account/login", ("Username", name), ("Password", password), ("ReturnUrl", "/"));
        return response.StatusCode == HttpStatusCode.Found;
    }

    [Fact]
    public async Task List_ShowsUsers_Searches_AndSaysWhenNothingMatches()
    {
        var (session, admin) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var all = await session.GetPageAsync("/admin/users");
            var found = await session.GetPageAsync($"/admin/users?search={admin.ToUpperInvariant()}");
            var none = await session.GetPageAsync($"/admin/users?search=no-such-{Guid.NewGuid():N}");

            Assert.Contains("<table id=\"users\">", all, StringComparison.Ordinal);
            Assert.Contains($">{admin}</a>", found, StringComparison.Ordinal);
            Assert.Contains("class=\"badge ok\">on<", found, StringComparison.Ordinal);
            Assert.Contains("class=\"empty\"", none, StringComparison.Ordinal);
            Assert.DoesNotContain("<table id=\"users\">", none, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task New_WithAWeakPassword_ShowsTheErrorBesideTheField_AndNeverEchoesThePassword()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("weak");
            using var response = await session.SubmitAsync("/admin/users/new", ("UserName", name), ("Email", "bad"), ("Password", "tiny-pw"));
            var html = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotNull(Infrastructure.Admin.TextOf(html, "password-error"));
            Assert.NotNull(Infrastructure.Admin.TextOf(html, "email-error"));
            Assert.DoesNotContain("tiny-pw", html, StringComparison.Ordinal);
            Assert.Contains($"value=\"{name}\"", html, StringComparison.Ordinal);
            Assert.Null(await Server.FindUserAsync(name));
        }
    }

    [Fact]
    public async Task New_CreatesTheUser_AndShowsItsPageWithANotice()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("made");
            using var response = await session.SubmitAsync("/admin/users/new", ("UserName", name), ("Email", $"{name}@example.com"), ("Password", CodeFlow.Password));
            var html = await FollowAsync(session, response);

            Assert.Equal($"/admin/users/{name}", response.Headers.Location!.OriginalString);
            Assert.Contains($"Created user {name}.", html, StringComparison.Ordinal);
            Assert.True(await PasswordSignInWorksAsync(name, CodeFlow.Password));
        }
    }

    [Fact]
    public async Task Lock_GoesThroughAConfirmation_ThenSignInFails_AndUnlockRestoresIt()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("lockme");
            await Server.CreateUserAsync(name, CodeFlow.Password);
            var page = $"/admin/users/{name}";

            var confirm = await session.GetPageAsync(page + "?confirm=lock&Until=");
            Assert.Contains("id=\"confirm-lock\"", confirm, StringComparison.Ordinal);
            Assert.Contains("until an admin unlocks them", confirm, StringComparison.Ordinal);
            Assert.True(await PasswordSignInWorksAsync(name, CodeFlow.Password)); // the confirmation changed nothing

            using var locked = await session.SubmitToAsync(page + "?confirm=lock", page + "?handler=Lock", ("Until", ""));
            var after = await FollowAsync(session, locked);
            Assert.Contains($"Locked {name} until unlocked.", after, StringComparison.Ordinal);
            Assert.Contains("class=\"badge bad\">locked", after, StringComparison.Ordinal);
            Assert.False(await PasswordSignInWorksAsync(name, CodeFlow.Password));

            using var unlocked = await session.SubmitToAsync(page, page + "?handler=Unlock");
            Assert.Contains($"Unlocked {name}.", await FollowAsync(session, unlocked), StringComparison.Ordinal);
            Assert.True(await PasswordSignInWorksAsync(name, CodeFlow.Password));
        }
    }

    [Fact]
    public async Task Lock_UntilAnUnreadableOrPastTime_ShowsTheErrorBesideTheField()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("when");
            await Server.CreateUserAsync(name, CodeFlow.Password);
            var page = $"/admin/users/{name}";

            var unreadable = await session.GetPageAsync(page + "?confirm=lock&Until=tomorrow-ish");
            using var past = await session.SubmitToAsync(page, page + "?handler=Lock", ("Until", "2001-01-01T00:00"));
            var pastHtml = await past.Content.ReadAsStringAsync();

            Assert.NotNull(Infrastructure.Admin.TextOf(unreadable, "until-error"));
            Assert.DoesNotContain("id=\"confirm-lock\"", unreadable, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, past.StatusCode);
            Assert.Contains("future", Infrastructure.Admin.TextOf(pastHtml, "until-error"), StringComparison.Ordinal);
            Assert.True(await PasswordSignInWorksAsync(name, CodeFlow.Password));
        }
    }

    [Fact]
    public async Task AnAdmin_CannotLockThemselves_OrRemoveTheirOwnAdminRole()
    {
        var (session, admin) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var page = $"/admin/users/{admin}";
            using var lockSelf = await session.SubmitToAsync(page, page + "?handler=Lock", ("Until", ""));
            using var demoteSelf = await session.SubmitToAsync(page, page + "?handler=Roles");

            Assert.Contains("cannot lock your own account", Infrastructure.Admin.TextOf(await lockSelf.Content.ReadAsStringAsync(), "error"), StringComparison.Ordinal);
            Assert.Contains("cannot remove your own admin role", Infrastructure.Admin.TextOf(await demoteSelf.Content.ReadAsStringAsync(), "error"), StringComparison.Ordinal);
            var user = await Server.FindUserAsync(admin);
            Assert.Null(user.LockoutEnd);
            await session.GetPageAsync("/admin/users"); // still an admin
        }
    }

    [Fact]
    public async Task ResetMfa_OfAnotherAdmin_EndsTheirAdminAccess_AndTheirNextSignInSkipsTheCode()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        var (other, otherName) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        using (other)
        {
            await other.GetPageAsync("/admin");
            var page = $"/admin/users/{otherName}";

            var confirm = await session.GetPageAsync(page + "?confirm=reset-mfa");
            Assert.Contains("no admin access until then", confirm, StringComparison.Ordinal);
            using var reset = await session.SubmitToAsync(page + "?confirm=reset-mfa", page + "?handler=ResetMfa");
            Assert.Contains("Reset MFA of", await FollowAsync(session, reset), StringComparison.Ordinal);

            using var denied = await other.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            using var fresh = new PageSession(Server);
            using var signIn = await fresh.SubmitAsync("/account/login", ("Username", otherName), ("Password", Infrastructure.Admin.Password), ("ReturnUrl", "/admin"));
            Assert.Equal("/admin", signIn.Headers.Location!.OriginalString); // no code step
            using var stillDenied = await fresh.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, stillDenied.StatusCode); // no MFA, no admin
        }
    }

    [Fact]
    public async Task Roles_AndClaimValues_AreSaved_AndBadClaimLines_AreShownBesideTheField()
    {
        await Server.ImportAsync("""{"claimTypes":[{"name":"employee_level","valueType":"integer"}]}""");
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("edit");
            await Server.CreateUserAsync(name, CodeFlow.Password);
            var page = $"/admin/users/{name}";

            using var roles = await session.SubmitToAsync(page, page + "?handler=Roles", ("Roles", "admin"));
            Assert.Contains("id=\"roles\">admin<", await FollowAsync(session, roles), StringComparison.Ordinal);

            using var bad = await session.SubmitToAsync(page, page + "?handler=Claims", ("Claims", "employee_level = senior\nshoe_size = 44"));
            var badHtml = await bad.Content.ReadAsStringAsync();
            var error = Infrastructure.Admin.TextOf(badHtml, "claims-error");
            Assert.Contains("Line 1: employee_level must be an integer", error, StringComparison.Ordinal);
            Assert.Contains("Line 2: 'shoe_size'", error, StringComparison.Ordinal);
            Assert.Contains("shoe_size = 44", badHtml, StringComparison.Ordinal); // what was typed stays

            using var good = await session.SubmitToAsync(page, page + "?handler=Claims", ("Claims", "employee_level = 7\nnickname = Ed"));
            var html = await FollowAsync(session, good);
            Assert.Contains("employee_level = 7", html, StringComparison.Ordinal);
            Assert.Contains("nickname = Ed", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownUser_Is404()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            using var response = await session.GetAsync("/admin/users/" + NewName("ghost"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryToken_IsRefused()
    {
        var (session, _) = await Infrastructure.Admin.SignInAsync(Server);
        using (session)
        {
            var name = NewName("csrf");
            await Server.CreateUserAsync(name, CodeFlow.Password);
            using var response = await session.PostAsync($"/admin/users/{name}?handler=Lock", [("Until", "")]);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null((await Server.FindUserAsync(name)).LockoutEnd);
        }
    }
}

public sealed class SqliteUsersPageTests(SqliteServerFixture fixture) : UsersPageTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresUsersPageTests(PostgresServerFixture fixture) : UsersPageTests(fixture), IClassFixture<PostgresServerFixture>;
