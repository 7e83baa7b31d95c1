using System.Text.Json;
using AuthServer.Data;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Browser;

/// <summary>
/// An admin rotates a signing key and reads, exports and verifies the audit log in Chromium; then a row is changed
/// directly in the database, and "Verify chain" names the entry.
/// </summary>
public sealed class AdminAuditJourneyTests(SqliteServerFixture fixture, AdminBrowser browser)
    : IClassFixture<SqliteServerFixture>, IClassFixture<AdminBrowser>
{
    private AuthServerHost Server => fixture.Host;

    [Fact]
    public async Task RotateKey_ThenFilterExportAndVerifyTheAuditLog_ThenATamperedRowIsDetected()
    {
        var (page, _) = await browser.SignInAdminAsync(Server);

        // Rotate RS256 from the keys page, through its confirmation.
        var kidsBefore = await JwksKidsAsync();
        await page.GotoAsync(Server.Issuer + "/admin/keys");
        await page.ClickAsync("#rotate-RS256");
        await page.Locator("#consequences").GetByText("retires").WaitForAsync();
        await page.ClickAsync("#confirm");
        await page.Locator("#notice").GetByText("RS256 rotated").WaitForAsync();
        var newKid = Assert.Single((await JwksKidsAsync()).Except(kidsBefore));
        await page.Locator($"tr[data-kid='{newKid}']").GetByText("active").WaitForAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-keys");

        // The audit log, filtered to key changes.
        await page.GotoAsync(Server.Issuer + "/admin/audit");
        await page.FillAsync("#action", "key.");
        await page.ClickAsync("form[aria-label=Filter] button[type=submit]");
        await page.WaitForURLAsync(url => url.Contains("action=key.", StringComparison.Ordinal));
        await page.Locator("#entries").GetByText("key.retire").First.WaitForAsync();
        var actions = await page.Locator("#entries tbody tr td:nth-child(3)").AllInnerTextsAsync();
        Assert.All(actions, a => Assert.StartsWith("key.", a, StringComparison.Ordinal));

        // Export the filtered set.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export"));
        Assert.EndsWith(".jsonl", download.SuggestedFilename, StringComparison.Ordinal);
        var lines = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(actions.Count, lines.Count);
        Assert.All(lines, l => Assert.StartsWith("key.", l.GetProperty("action").GetString(), StringComparison.Ordinal));
        var activated = lines.Last(l => l.GetProperty("target").GetString() == newKid);

        // Verify: OK.
        await page.ClickAsync("#verify");
        await page.Locator("#verify-result").GetByText("Chain OK").WaitForAsync();
        await AdminBrowser.ScreenshotAsync(page, "admin-audit");

        // Someone with database access rewrites one entry; verify names it.
        var sequence = activated.GetProperty("sequence").GetInt64();
        await TamperAsync(sequence);
        await page.ClickAsync("#verify");
        var result = page.Locator("#verify-result");
        await result.GetByText("Chain broken").WaitForAsync();
        Assert.Contains($"Chain broken at sequence {sequence} (edited)", await result.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("error", await result.GetAttributeAsync("class"), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    private async Task TamperAsync(long sequence)
    {
        await using var connection = await Server.Service<AuthServerDatabase>().OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE audit_events SET detail = 'nothing to see' WHERE sequence = {sequence}";
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private async Task<List<string>> JwksKidsAsync()
    {
        using var jwks = JsonDocument.Parse(await Server.Http.GetStringAsync("/.well-known/jwks.json"));
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToList();
    }
}
