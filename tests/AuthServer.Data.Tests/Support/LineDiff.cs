namespace AuthServer.Data.Tests.Support;

/// <summary>A minimal line diff (longest common subsequence) for readable failure messages.</summary>
public static class LineDiff
{
    /// <summary>The lines only in <paramref name="expected"/> (-) and only in <paramref name="actual"/> (+), in order, with line numbers.</summary>
    public static string Describe(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        // lcs[i, j] = length of the longest common subsequence of expected[i..] and actual[j..].
        var lcs = new int[expected.Count + 1, actual.Count + 1];
        for (var i = expected.Count - 1; i >= 0; i--)
        {
            for (var j = actual.Count - 1; j >= 0; j--)
            {
                lcs[i, j] = expected[i] == actual[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < expected.Count || y < actual.Count)
        {
            if (x < expected.Count && y < actual.Count && expected[x] == actual[y])
            {
                x++;
                y++;
            }
            else if (y < actual.Count && (x == expected.Count || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add($"  + {y + 1,4}: {actual[y]}");
                y++;
            }
            else
            {
                lines.Add($"  - {x + 1,4}: {expected[x]}");
                x++;
            }
        }

        return string.Join("\n", lines);
    }
}
