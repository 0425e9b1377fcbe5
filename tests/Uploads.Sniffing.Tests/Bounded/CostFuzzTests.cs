using System.Globalization;
using System.Text;
using Uploads.Adversarial;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// The cost fuzzer (<see cref="CostFuzzer"/>) in a short seeded run: seeded from the ordinary corpus, the active-content
/// corpus, the encrypted PDFs of the producers set (the decryption path) and every crafted shape (<see cref="AdversarialCatalog"/>) at 4 KiB, it mutates towards the inputs that cost
/// the most work per byte. No input may spend its budget (a check must end in a verdict for the file's structure, not
/// in the budget's backstop), and the costliest stays under a tripwire. The longer campaign is the benchmark mode
/// <c>--cost-fuzz</c> (docs/measurements.md, "Adversarial cost").
/// </summary>
public sealed class CostFuzzTests
{
    /// <summary>Mutants per seed: 4 seeds × 300 keep the run to a few seconds.</summary>
    private const int Iterations = 300;

    private const int MaxInputBytes = 64 * 1024;

    private const int ShapeBytes = 4 * 1024;

    /// <summary>
    /// A regression tripwire, not a limit of the design: the most units per byte the costliest input found by these runs
    /// may spend (an input under <see cref="CostFuzzer.MinScoredBytes"/> scored as that long). Measured: under 1 on
    /// commit a0a36e4 (the parsers charged only the bytes the input copies); 5,155 on a trial merge with the bounded PDF,
    /// ZIP/DOCX and SVG/CFB parsers (a 1.5 KiB PDF mutated from the XFA shape, whose stream inflates: 7.8 Mi units,
    /// 15 % of its budget; the ordinary corpora at most 130). 16 Ki leaves about 3 times that: a 1 KiB input may spend a
    /// third of the budget's constant before this trips; it trips when a parser's cost per byte grows several-fold.
    /// </summary>
    private const double MaxUnitsPerByte = 16 * 1024;

    /// <summary>A safety bound on one run's time on a slow machine (the iterations bound it normally; no timed assert).</summary>
    private static readonly TimeSpan RunTimeLimit = TimeSpan.FromSeconds(60);

    private static readonly byte[][] Seeds =
    [
        .. Corpus.Entries.Select(e => Corpus.Read(e.File)),
        .. ActiveCorpus.Entries.Select(e => ActiveCorpus.Read(e.File)),
        .. FixtureSet.Entries(FixtureSet.Producers).Where(e => e.File.StartsWith("pdf-encryption-", StringComparison.Ordinal)).Select(e => e.Read()),
        .. AdversarialCatalog.All.Select(s => s.Make(ShapeBytes)),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SniffAsync_CostFuzzedCorpus_NeverSpendsBudgetAndStaysUnderTripwire(int seed)
    {
        var result = new CostFuzzer(SnifferCost.Check, seed, MaxInputBytes).Run(Seeds, Iterations, RunTimeLimit);

        var spent = result.Exceeded.Select(Save).ToList();
        Assert.True(spent.Count == 0, $"{spent.Count} input(s) spent their whole budget:\n{string.Join('\n', spent)}");
        var costliest = result.Costliest[0];
        Assert.True(
            costliest.UnitsPerByte < MaxUnitsPerByte,
            string.Create(CultureInfo.InvariantCulture, $"the costliest input spent {costliest.UnitsPerByte:F0} units per byte ({costliest.Cost.Units} units, {costliest.Input.Length} bytes, {costliest.Cost.Verdict}), over the tripwire of {MaxUnitsPerByte}; saved as {Save(costliest)}"));
    }

    [Fact]
    public void Run_QuadraticCheck_BreedsCostlierInputsAndReportsTheOnesOverBudget()
    {
        var seed = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ab", 16)) + new string('x', 2048));
        var reported = new List<CostFinding>();

        var result = new CostFuzzer(Quadratic, seed: 7).Run([seed], Iterations, RunTimeLimit, reported.Add);

        Assert.True(result.Costliest[0].UnitsPerByte > 100 * Quadratic(seed).Units / (double)seed.Length, $"no costlier input than the seed: {result.Costliest[0].UnitsPerByte}");
        Assert.NotEmpty(result.Exceeded);
        Assert.Equal(result.Exceeded, reported);
        Assert.All(result.Exceeded, f => Assert.True(f.Cost.Exceeded));
        Assert.All(result.Costliest, f => Assert.False(f.Cost.Exceeded));
    }

    [Fact]
    public void Run_SameSeedAndIterations_SameFindings()
    {
        var seeds = Corpus.Entries.Take(8).Select(e => Corpus.Read(e.File)).ToArray();

        var first = new CostFuzzer(Quadratic, seed: 3).Run(seeds, 100, RunTimeLimit);
        var second = new CostFuzzer(Quadratic, seed: 3).Run(seeds, 100, RunTimeLimit);

        Assert.Equal(100, first.Iterations);
        Assert.Equal(first.Costliest.Select(f => f.Name), second.Costliest.Select(f => f.Name));
        Assert.Equal(first.Exceeded.Select(f => f.Name), second.Exceeded.Select(f => f.Name));
    }

    /// <summary>A stand-in check whose cost is quadratic in the number of "ab" records, over budget past 1,000 of them.</summary>
    private static CostSample Quadratic(byte[] input)
    {
        long records = 0;
        for (var rest = input.AsSpan(); rest.IndexOf("ab"u8) is var at and >= 0; rest = rest[(at + 2)..])
        {
            records++;
        }

        return new CostSample(records * records, records > 1000, "stand-in");
    }

    /// <summary>Writes a finding to the temp folder; says where, and how to keep it as a regression.</summary>
    private static string Save(CostFinding finding)
    {
        var path = Path.Combine(Path.GetTempPath(), "cost-" + finding.Name);
        File.WriteAllBytes(path, finding.Input);
        return $"{finding.Input.Length} bytes, {finding.Cost.Units} units ({finding.Cost.Verdict}): {path}; keep it as a regression with: cp {path} tests/fixtures/cost-regressions/{finding.Name}";
    }
}
