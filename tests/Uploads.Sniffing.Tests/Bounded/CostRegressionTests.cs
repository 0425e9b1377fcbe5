using Uploads.Adversarial;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// Inputs that once spent their whole work budget (found by <see cref="CostFuzzTests"/> or the benchmark mode
/// <c>--cost-fuzz</c>), kept in tests/fixtures/cost-regressions so that they stay fixed: each must now be decided,
/// refused or accepted, without spending its budget.
/// </summary>
public sealed class CostRegressionTests
{
    private static readonly string Folder = Path.GetFullPath(Path.Combine(Corpus.Directory, "..", "cost-regressions"));

    [Fact]
    public void SniffAsync_CostRegressions_DecideWithinBudget()
    {
        Assert.True(Directory.Exists(Folder), $"{Folder} is missing");

        var spent = Directory.GetFiles(Folder)
            .Where(path => Path.GetFileName(path) != "README.md")
            .Order(StringComparer.Ordinal)
            .Select(path => (File: Path.GetFileName(path), Cost: SnifferCost.Check(File.ReadAllBytes(path))))
            .Where(r => r.Cost.Exceeded)
            .Select(r => $"{r.File}: {r.Cost.Units} units ({r.Cost.Verdict})")
            .ToList();

        Assert.True(spent.Count == 0, $"spent their whole budget:\n{string.Join('\n', spent)}");
    }
}
