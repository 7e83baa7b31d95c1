using AuthServer.Data.Tests.Support;
using AuthServer.Testing;

namespace AuthServer.Data.Tests;

/// <summary>`authserver explain`, run as a process on the example configuration, against each provider.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ExplainCommandTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Explain_ForAUser_ShowsEachTokensClaimsAndTheScopeThatReleasedThem(DatabaseProvider provider)
    {
        using var database = await ImportExamplesAsync(provider);

        var result = await CliRunner.RunAsync(database,
            ["explain", "--client", "orders-web", "--user", "alice", "--scope", "openid profile employee orders.read"], "");

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StandardOutput;
        var access = Section(output, "Access token for https://api.example.com/orders");
        Assert.Contains("department = sales    released by orders.read", access, StringComparison.Ordinal);
        Assert.Contains("released, but no value held (left out): customer_tier", access, StringComparison.Ordinal);
        Assert.DoesNotContain("employee_number", access, StringComparison.Ordinal);
        Assert.DoesNotContain("Alice Example", access, StringComparison.Ordinal);

        // The sensitive claim goes to userinfo only, and its value is never printed.
        var idToken = Section(output, "ID token:");
        Assert.Contains("name = Alice Example    released by profile", idToken, StringComparison.Ordinal);
        Assert.Contains("department = sales    released by employee", idToken, StringComparison.Ordinal);
        Assert.DoesNotContain("employee_number", idToken, StringComparison.Ordinal);
        var userInfo = Section(output, "Userinfo:");
        Assert.Contains("employee_number = (sensitive: value not shown)    released by employee", userInfo, StringComparison.Ordinal);
        Assert.DoesNotContain("E-1001", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ForAClient_ShowsItsOwnClaimsPerAudience()
    {
        using var database = await ImportExamplesAsync(DatabaseProvider.Sqlite);

        var result = await CliRunner.RunAsync(database, ["explain", "--client", "partner-portal", "--scope", "orders.read"], "");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Subject: partner-portal", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("customer_tier = gold    released by orders.read", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("ID token", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partner-portal", "orders.write", "invalid_scope")]
    [InlineData("partner-portal", "openid", "invalid_scope")]
    [InlineData("orders-web", "openid orders.read", "need a user")]
    public async Task Explain_ARequestTheTokenEndpointWouldRefuse_SaysWhyAndFails(string client, string scope, string reason)
    {
        using var database = await ImportExamplesAsync(DatabaseProvider.Sqlite);

        var result = await CliRunner.RunAsync(database, ["explain", "--client", client, "--scope", scope], "");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--client", "nobody", "There is no client 'nobody'.")]
    [InlineData("--user", "mallory", "There is no user 'mallory'.")]
    public async Task Explain_UnknownClientOrUser_Fails(string option, string value, string message)
    {
        using var database = await ImportExamplesAsync(DatabaseProvider.Sqlite);
        string[] args = option == "--client"
            ? ["explain", "--client", value, "--scope", "orders.read"]
            : ["explain", "--client", "orders-web", "--user", value, "--scope", "orders.read"];

        var result = await CliRunner.RunAsync(database, args, "");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    private async Task<TestDatabase> ImportExamplesAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider, cluster);
        var examples = Path.Combine(CliRunner.RepositoryRoot(), "examples");
        foreach (var (file, environment) in new[] { ("authserver.json", "Production"), ("test-users.json", "Development") })
        {
            var result = await CliRunner.RunAsync(database, ["import", Path.Combine(examples, file)], "", environment);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        return database;
    }

    /// <summary>The lines from a heading to the next blank line.</summary>
    private static string Section(string output, string heading)
    {
        var start = output.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{heading}' in:\n{output}");
        var end = output.IndexOf("\n\n", start, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }
}
