using System.Globalization;
using Uploads.Adversarial;
using Uploads.Benchmarks.Support;
using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--cost-fuzz</c> (issue "Bounded verification"): the long cost-fuzzing campaign. <see cref="CostFuzzer"/> seeded
/// from the ordinary and active-content corpora, the kept cost regressions and every crafted shape at 4 KiB, mutating
/// towards the inputs that cost the sniffer the most work per byte, in process. Every input that spends its whole budget
/// (as soon as it is found) and the costliest per byte (unless it is a seed as given) are written to
/// tests/fixtures/cost-regressions, named by hash (CostRegressionTests checks them); the top 10 are printed.
/// Exit code 1 when an input spent its budget. Options: <c>--seconds 600</c>, <c>--seed 1</c>, <c>--max-bytes 65536</c>,
/// <c>--out DIR</c>.
/// </summary>
internal static class CostFuzz
{
    /// <summary>Seeds are cut and mutants truncated to this length (as in CostFuzzTests).</summary>
    public const int DefaultMaxInputBytes = 64 * 1024;

    private const int ShapeBytes = 4 * 1024;

    private const int Top = 10;

    public static int Run(Args args)
    {
        var seconds = args.Int("--seconds", 600);
        var seed = args.Int("--seed", 1);
        var maxBytes = args.Int("--max-bytes", DefaultMaxInputBytes);
        var folder = args.Get("--out") ?? RegressionsDirectory;
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        void Keep(CostFinding finding)
        {
            var path = Path.Combine(folder, finding.Name);
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, finding.Input);
                written.Add(path);
            }
        }

        var result = Search(seed, TimeSpan.FromSeconds(seconds), maxBytes, finding =>
        {
            Keep(finding);
            Console.WriteLine($"spent its budget: {finding.Name} ({finding.Input.Length} bytes, {finding.Cost.Units} units, {finding.Cost.Verdict})");
        });
        if (result.Costliest is [{ IsSeed: false } costliest, ..])
        {
            Keep(costliest);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cost fuzzing, seed {seed}: {result.Iterations} mutants in {result.Elapsed.TotalSeconds:F0} s, inputs up to {maxBytes} bytes; {result.Exceeded.Count} spent their budget."));
        Console.WriteLine();
        Console.WriteLine($"| # | input | bytes | units | units per byte (≥ {CostFuzzer.MinScoredBytes} B) | verdict |");
        Console.WriteLine("|---:|---|---:|---:|---:|---|");
        var rank = 0;
        foreach (var finding in result.Exceeded.Concat(result.Costliest).Take(Top))
        {
            var verdict = finding.Cost.Verdict.Length <= 80 ? finding.Cost.Verdict : finding.Cost.Verdict[..80] + "…";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {++rank} | {finding.Name}{(finding.Cost.Exceeded ? " SPENT" : "")}{(finding.IsSeed ? " (a seed)" : "")} | {finding.Input.Length} | {finding.Cost.Units} | {finding.UnitsPerByte:F1} | {verdict.Replace("|", "\\|", StringComparison.Ordinal)} |"));
        }

        Console.WriteLine();
        Console.WriteLine(written.Count == 0 ? $"Nothing new written to {folder}." : $"Written (commit those worth keeping):\n{string.Join('\n', written)}");
        return result.Exceeded.Count == 0 ? 0 : 1;
    }

    /// <summary>A time-bounded run of the cost fuzzer over <see cref="Seeds"/> (also the findings of <c>--adversarial-cost</c>).</summary>
    public static CostFuzzResult Search(int seed, TimeSpan time, int maxInputBytes, Action<CostFinding>? exceeded) =>
        new CostFuzzer(SnifferCost.Check, seed, maxInputBytes).Run(Seeds(), int.MaxValue, time, exceeded);

    private static string RegressionsDirectory => Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", "cost-regressions");

    /// <summary>The corpora, the kept regressions and every shape at 4 KiB, in a fixed order.</summary>
    private static IEnumerable<byte[]> Seeds() =>
        new[] { TestFixtures.CorpusDirectory, TestFixtures.ActiveContentDirectory, RegressionsDirectory }
            .SelectMany(directory => Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            .Where(path => Path.GetFileName(path) is not ("manifest.tsv" or "README.md"))
            .Select(File.ReadAllBytes)
            .Concat(AdversarialCatalog.All.Select(shape => shape.Make(ShapeBytes)));
}
