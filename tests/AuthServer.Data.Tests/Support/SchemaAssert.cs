using AuthServer.Data.Migrations;

namespace AuthServer.Data.Tests.Support;

public static class SchemaAssert
{
    /// <summary>Asserts that two schema descriptions are equal; on failure lists the lines found in only one of them.</summary>
    public static void Equal(IReadOnlyList<string> expected, string expectedName, IReadOnlyList<string> actual, string actualName)
    {
        Assert.NotEmpty(expected);
        if (expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            return;
        }

        Assert.Fail(
            $"The schemas differ ({expected.Count} lines in {expectedName}, {actual.Count} in {actualName}).\n" +
            $"Only in {expectedName} (-) / only in {actualName} (+):\n" +
            LineDiff.Describe(expected, actual));
    }

    /// <summary>The schema EF's model creates (EnsureCreated) on a fresh database of the provider.</summary>
    public static async Task<IReadOnlyList<string>> DescribeModelSchemaAsync(TestDatabase empty)
    {
        await using var database = empty.Open();
        await using (var context = database.CreateContext())
        {
            Assert.True(await context.Database.EnsureCreatedAsync(), "EnsureCreated found the database already created.");
        }

        return await SchemaDescriber.DescribeAsync(database, CancellationToken.None);
    }
}
