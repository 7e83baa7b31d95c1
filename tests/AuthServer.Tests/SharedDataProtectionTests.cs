using System.Net;
using System.Security.Cryptography;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// Several nodes on one database: a session cookie or an antiforgery token one node made is accepted by the others,
/// because Data Protection's key ring is in the database. Each node has its own keys folder (sharing only the master
/// key, through configuration), so a key ring kept on disk could not pass these tests.
/// </summary>
public abstract class SharedDataProtectionTests : IDisposable
{
    private const string Password = "correct horse battery staple";
    private const string SessionCookie = "authserver.session";
    private readonly TempFolder _folder = new();
    private readonly string _masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new empty database: the provider name and its connection string.</summary>
    protected abstract Task<(string Provider, string ConnectionString)> NewDatabaseAsync();

    [Fact]
    public async Task Session_SignedInOnOneNode_IsAcceptedByAnotherOnTheSameDatabase()
    {
        var database = await NewDatabaseAsync();
        await using var a = await StartNodeAsync(database, "a");
        await using var b = await StartNodeAsync(database, "b");
        var user = await NewUserAsync(a);

        using var onA = new PageSession(a);
        using (var signedIn = await onA.SubmitAsync("/account/login", Credentials(user)))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        }

        using var onB = Carry(onA, b);
        using var page = await onB.GetAsync("/account/mfa");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // Without the cookie, the same page on B asks for sign-in: the 200 above was the session.
        using var anonymous = new PageSession(b);
        using var challenged = await anonymous.GetAsync("/account/mfa");
        AssertSignInAsked(challenged);
    }

    [Fact]
    public async Task AntiforgeryToken_FromAFormOnOneNode_IsAcceptedByAPostOnAnother()
    {
        var database = await NewDatabaseAsync();
        await using var a = await StartNodeAsync(database, "a");
        await using var b = await StartNodeAsync(database, "b");
        var user = await NewUserAsync(a);

        // The login form comes from A and is posted to B; B signs in and its session works on A.
        using var onA = new PageSession(a);
        var loginToken = PageSession.AntiforgeryToken(await onA.GetPageAsync("/account/login"));
        using var onB = Carry(onA, b);
        using (var signedIn = await onB.PostAsync("/account/login", [.. Credentials(user), ("__RequestVerificationToken", loginToken)]))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        }

        Assert.NotNull(onB.Cookie(SessionCookie));
        using var backOnA = Carry(onB, a);
        Assert.Contains("Two-step sign-in", await backOnA.GetPageAsync("/account/mfa"), StringComparison.Ordinal);

        // A token bound to the signed-in user: the logout form from A, posted to B, signs out.
        var logoutToken = PageSession.AntiforgeryToken(await backOnA.GetPageAsync("/account/logout"));
        using var logoutOnB = Carry(backOnA, b);
        using (var signedOut = await logoutOnB.PostAsync("/account/logout", [("__RequestVerificationToken", logoutToken)]))
        {
            Assert.Equal(HttpStatusCode.Found, signedOut.StatusCode);
        }

        Assert.Null(logoutOnB.Cookie(SessionCookie));
    }

    [Fact]
    public async Task Node_OnAnotherDatabase_RejectsTheSessionAndTheAntiforgeryToken()
    {
        await using var a = await StartNodeAsync(await NewDatabaseAsync(), "a");
        await using var other = await StartNodeAsync(await NewDatabaseAsync(), "other");
        var user = await NewUserAsync(a);
        using var onA = new PageSession(a);
        using (var signedIn = await onA.SubmitAsync("/account/login", Credentials(user)))
        {
            Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        }

        var logoutToken = PageSession.AntiforgeryToken(await onA.GetPageAsync("/account/logout"));

        // The same master key, but another key ring: the cookie is unreadable there, so the page asks for sign-in.
        using var onOther = Carry(onA, other);
        using (var page = await onOther.GetAsync("/account/mfa"))
        {
            AssertSignInAsked(page);
        }

        using var post = await onOther.PostAsync("/account/logout", [("__RequestVerificationToken", logoutToken)]);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
    }

    [Fact]
    public async Task KeyRing_IsInTheDatabase_WithEachKeySecretSealed()
    {
        var database = await NewDatabaseAsync();
        await using var a = await StartNodeAsync(database, "a");
        using (var browser = new PageSession(a))
        {
            await browser.GetPageAsync("/account/login");
        }

        var rows = await Database.QueryAsync(a, "SELECT friendly_name, xml FROM data_protection_keys");
        var (name, xml) = (rows.Single()[0]!, rows.Single()[1]!);
        Assert.StartsWith("key-", name, StringComparison.Ordinal);
        Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
        Assert.Contains("AuthServer.DataProtection.MasterKeyXmlDecryptor", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(a.Settings.KeysDirectory, "data-protection")));
    }

    public void Dispose() => _folder.Dispose();

    private Task<AuthServerHost> StartNodeAsync((string Provider, string ConnectionString) database, string node) =>
        AuthServerHost.StartAsync(new HostSettings(
            database.Provider, database.ConnectionString, Path.Combine(_folder.Path, node, "keys"), [$"--AuthServer:MasterKey={_masterKey}"]));

    protected string NewSqliteFile() => $"Data Source={Path.Combine(_folder.Path, Guid.NewGuid().ToString("N") + ".db")}";

    private static async Task<string> NewUserAsync(AuthServerHost node)
    {
        var name = "node-" + Guid.NewGuid().ToString("N")[..8];
        await node.CreateUserAsync(name, Password);
        return name;
    }

    private static (string Name, string Value)[] Credentials(string user) =>
        [("Username", user), ("Password", Password), ("ReturnUrl", "/")];

    private static void AssertSignInAsked(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location?.AbsolutePath);
    }

    /// <summary>The same browser, now talking to another node: it carries over every cookie it holds.</summary>
    private static PageSession Carry(PageSession from, AuthServerHost to)
    {
        var session = new PageSession(to);
        foreach (var cookie in from.Cookies.GetAllCookies().Where(c => !c.Expired))
        {
            session.Cookies.Add(session.BaseAddress, new Cookie(cookie.Name, cookie.Value, cookie.Path));
        }

        return session;
    }
}

public sealed class PostgresSharedDataProtectionTests : SharedDataProtectionTests
{
    private static int _databases;

    protected override async Task<(string Provider, string ConnectionString)> NewDatabaseAsync()
    {
        var cluster = await SharedPostgres.GetAsync();
        return ("PostgreSql", await cluster.CreateDatabaseAsync($"shared_dp_{Interlocked.Increment(ref _databases)}"));
    }
}

/// <summary>SQLite stays the single-node default, but two processes on one file share the key ring the same way.</summary>
public sealed class SqliteSharedDataProtectionTests : SharedDataProtectionTests
{
    protected override Task<(string Provider, string ConnectionString)> NewDatabaseAsync() =>
        Task.FromResult(("Sqlite", NewSqliteFile()));
}
