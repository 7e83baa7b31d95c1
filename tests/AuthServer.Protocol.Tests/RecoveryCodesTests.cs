using AuthServer.Protocol.Users;

namespace AuthServer.Protocol.Tests;

public class RecoveryCodesTests
{
    [Fact]
    public void New_IsEightyRandomBitsInFourGroups()
    {
        var codes = Enumerable.Range(0, RecoveryCodes.Count).Select(_ => RecoveryCodes.New()).ToList();

        Assert.All(codes, c => Assert.Matches("^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$", c));
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Fact]
    public void IndexOf_FindsTheCodeWhateverItsCaseOrSeparators_AndNothingElse()
    {
        var codes = Enumerable.Range(0, 3).Select(_ => RecoveryCodes.New()).ToList();
        var hashes = codes.Select(RecoveryCodes.Hash).ToList();

        Assert.Equal(1, RecoveryCodes.IndexOf(hashes, codes[1]));
        Assert.Equal(2, RecoveryCodes.IndexOf(hashes, codes[2].ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)));
        Assert.Equal(-1, RecoveryCodes.IndexOf(hashes, codes[0][..^1] + (codes[0][^1] == 'A' ? 'B' : 'A')));
        Assert.Equal(-1, RecoveryCodes.IndexOf(hashes, ""));
        Assert.DoesNotContain(hashes, h => codes.Any(c => h.Contains(c.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal)));
    }
}
