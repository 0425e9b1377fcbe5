using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Uploads.Adversarial;
using Uploads.Benchmarks.Support;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--adversarial-cost</c> (issue "Bounded verification"): what one check costs for every crafted shape
/// (<see cref="AdversarialCatalog"/>) at several sizes up to its type's category limit, for the costliest inputs a
/// short cost-fuzzing run finds (<see cref="CostFuzz"/>), and for every file of the ordinary and active-content corpora.
/// Each check runs alone in a child process (this program, <c>--adversarial-one</c>), as the app runs it
/// (<see cref="ContentSniffer.SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, ActiveContentKinds, WorkBudget?, CancellationToken)"/>
/// with <see cref="WorkBudget.ForFile"/> and no active content allowed, then <see cref="VerificationPolicy.Decide"/>), so
/// that its peak working set is its own: CPU time, bytes allocated, peak working-set growth, units spent and the
/// verdict. Fails (exit code 1) when a shape that is not clean is accepted, or a check takes over 2 s of CPU or 256 MB.
/// Options: <c>--sizes</c>, <c>--max-size</c>, <c>--fuzz-seconds 60</c>, <c>--seed 1</c>.
/// </summary>
internal static class AdversarialCost
{
    private const int KiB = (int)ByteSize.KiB;
    private const int MiB = (int)ByteSize.MiB;

    /// <summary>The issue's target: no check may take more CPU than this.</summary>
    private const double MaxCpuSeconds = 2;

    /// <summary>The issue's target: no check may grow the process's peak working set by more than this.</summary>
    private const long MaxPeakGrowthBytes = 256L * MiB;

    /// <summary>A shape may come out a little larger than asked: the size at a category limit is asked this much under it.</summary>
    private const int LimitSlackBytes = 64 * KiB;

    /// <summary>How many of the fuzzer's costliest inputs are measured.</summary>
    private const int FuzzFindings = 10;

    private static readonly int[] DefaultSizes = [4 * KiB, 64 * KiB, MiB, 4 * MiB, 16 * MiB];

    /// <summary>A child that has not answered by then is killed and reported (a check is bounded far below it).</summary>
    private static readonly TimeSpan ChildTimeLimit = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(Args args)
    {
        var sizes = args.Get("--sizes") is null ? null : args.Ints("--sizes");
        var maxSize = args.Get("--max-size") is { } max ? long.Parse(max, CultureInfo.InvariantCulture) : long.MaxValue;
        var fuzzSeconds = args.Int("--fuzz-seconds", 60);
        var seed = args.Int("--seed", 1);
        Console.WriteLine($"One check per child process, as the verifier runs it (ContentSniffer.SniffAsync over the file in memory, WorkBudget.ForFile, no active content allowed, then VerificationPolicy.Decide). CPU: the child's processor time during the check; allocated: GC.GetTotalAllocatedBytes(true) delta; peak WS: growth of VmHWM over the resident set before the check (after a warm-up check of tiny files); units: WorkBudget.Spent (% of the file's budget). Targets: ≤ {MaxCpuSeconds} s CPU, ≤ {MaxPeakGrowthBytes / MiB} MB.");
        Console.WriteLine();
        Console.WriteLine("| input | size | verdict | units (% of budget) | CPU ms | allocated MB | peak WS growth MB |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|");

        var work = Directory.CreateTempSubdirectory("adversarial-cost-");
        var rows = new List<Row>();
        try
        {
            foreach (var shape in AdversarialCatalog.All)
            {
                foreach (var size in SizesFor(shape.ContentType, sizes, maxSize))
                {
                    rows.Add(await MeasureAsync(work, new Input(Group.Shape, shape.Name, shape.Make(size), shape.ContentType, shape.FileName, shape.Clean)).ConfigureAwait(false));
                }
            }

            if (AdversarialCatalog.All.Count == 0)
            {
                Console.WriteLine("| (no crafted shapes in tests/Uploads.Adversarial yet) | | | | | | |");
            }

            if (fuzzSeconds > 0)
            {
                var found = CostFuzz.Search(seed, TimeSpan.FromSeconds(fuzzSeconds), CostFuzz.DefaultMaxInputBytes, exceeded: null);
                foreach (var finding in found.Exceeded.Concat(found.Costliest.Take(FuzzFindings)))
                {
                    // Declared as octet-stream under a name without an extension the policy knows: the detected type decides.
                    rows.Add(await MeasureAsync(work, new Input(Group.Fuzz, string.Create(CultureInfo.InvariantCulture, $"fuzz {finding.Name}{(finding.IsSeed ? " (a seed as given)" : "")}: {finding.UnitsPerByte:F1} units/B in process"), finding.Input, MediaTypes.OctetStream, finding.Name, Clean: null)).ConfigureAwait(false));
                }
            }

            foreach (var (directory, file, type) in CorpusFiles())
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, file)).ConfigureAwait(false);
                rows.Add(await MeasureAsync(work, new Input(Group.Corpus, $"{Path.GetFileName(directory) switch { "files" => "active-content", var d => d }}/{file}", bytes, type, file, Clean: null)).ConfigureAwait(false));
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }

        return Summarize(rows);
    }

    /// <summary>The hidden child mode: <c>--adversarial-one FILE CONTENT-TYPE [FILE-NAME]</c>; prints one JSON line.</summary>
    public static async Task<int> RunOneAsync(string[] args)
    {
        var path = args[1];
        var contentType = args[2];
        var fileName = args.Length > 3 ? args[3] : Path.GetFileName(path);
        foreach (var tiny in WarmUpFiles())
        {
            await CheckAsync(tiny, MediaTypes.OctetStream, "warm-up").ConfigureAwait(false);
        }

        var bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var peakReset = ResetPeak();
        var peakBefore = ProcFs.Memory(Environment.ProcessId).HwmKb;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var (budget, decision) = await CheckAsync(bytes, contentType, fileName).ConfigureAwait(false);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var peakGrowth = (ProcFs.Memory(Environment.ProcessId).HwmKb - peakBefore) * KiB;
        Console.WriteLine(JsonSerializer.Serialize(
            new Measurement(cpu.TotalMilliseconds, allocated, peakGrowth, peakReset, budget.Spent, budget.Limit, budget.IsSpent, decision.Accepted, decision.DetectedType, decision.Reason),
            Json));
        return 0;
    }

    /// <summary>The check as the verifier runs it (UploadVerifier.SniffAndDecideAsync), over bytes in memory.</summary>
    private static async Task<(WorkBudget Budget, ContentDecision Decision)> CheckAsync(byte[] bytes, string contentType, string fileName)
    {
        var budget = WorkBudget.ForFile(bytes.Length);
        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget).ConfigureAwait(false);
        return (budget, VerificationPolicy.Decide(fileName, contentType, bytes.Length, detected));
    }

    /// <summary>Tiny files of the checked families (PDF, SVG, ZIP, text, DOCX), so that the measured check does not pay for the common JIT and statics.</summary>
    private static IEnumerable<byte[]> WarmUpFiles() =>
    [
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"u8.ToArray(),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\" height=\"1\"/></svg>\n"u8.ToArray(),
        "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"u8.ToArray(),
        "A line of text.\n"u8.ToArray(),
        TinyDocx(),
    ];

    private static byte[] TinyDocx()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, xml) in new[]
            {
                ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"),
                ("_rels/.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"),
                ("word/document.xml", "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Text.</w:t></w:r></w:p></w:body></w:document>"),
            })
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(xml);
            }
        }

        return output.ToArray();
    }

    /// <summary>Resets VmHWM to the current resident set (Linux 4.0+, /proc/self/clear_refs "5"); false where that is refused.</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The sizes a shape of <paramref name="contentType"/> is made at: up to its category's limit (an SVG's 4 MiB), that limit included.</summary>
    private static IEnumerable<int> SizesFor(string contentType, IReadOnlyList<int>? sizes, long maxSize)
    {
        long? limit = UploadPolicy.TryGetAllowed(contentType, out var allowed)
            ? Math.Min(UploadPolicy.MaxBytes(allowed.Category), allowed.MediaType == MediaTypes.Svg ? ContentSniffer.MaxSvgBytes : long.MaxValue) - LimitSlackBytes
            : null;
        IEnumerable<int> chosen = sizes ?? [.. DefaultSizes, .. limit is { } l ? [(int)l] : Array.Empty<int>()];
        return chosen.Where(s => s <= maxSize && (limit is null || s <= limit)).Distinct().Order();
    }

    private static async Task<Row> MeasureAsync(DirectoryInfo work, Input input)
    {
        var path = Path.Combine(work.FullName, "input.bin");
        await File.WriteAllBytesAsync(path, input.Bytes).ConfigureAwait(false);
        var (measurement, failure) = await RunChildAsync(path, input.ContentType, input.FileName).ConfigureAwait(false);
        File.Delete(path);
        var row = new Row(input.Group, input.Label, input.Bytes.Length, input.Clean, measurement, failure);
        Console.WriteLine(Format(row));
        return row;
    }

    private static async Task<(Measurement? Measurement, string? Failure)> RunChildAsync(string path, string contentType, string fileName)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(AdversarialCost).Assembly.Location);
        }

        foreach (var argument in new[] { "--adversarial-one", path, contentType, fileName })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"{host} did not start.");
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ChildTimeLimit);
        try
        {
            await child.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            return (null, $"no answer within {ChildTimeLimit.TotalMinutes} min (killed)");
        }

        var json = (await output.ConfigureAwait(false)).Split('\n').LastOrDefault(line => line.StartsWith('{'));
        return child.ExitCode == 0 && json is not null
            ? (JsonSerializer.Deserialize<Measurement>(json, Json), null)
            : (null, $"exit code {child.ExitCode}: {FirstLine(await errors.ConfigureAwait(false))}");
    }

    /// <summary>Every file of the ordinary and active-content corpora with the type its manifest gives it.</summary>
    private static IEnumerable<(string Directory, string File, string Type)> CorpusFiles() =>
        new[] { TestFixtures.CorpusDirectory, TestFixtures.ActiveContentDirectory }.SelectMany(directory =>
            File.ReadAllLines(Path.Combine(directory, "manifest.tsv"))
                .Skip(1)
                .Where(line => line.Length > 0)
                .Select(line => line.Split('\t'))
                .Select(fields => (directory, fields[0], fields[1])));

    private static int Summarize(List<Row> rows)
    {
        var measured = rows.Where(r => r.Result is not null).ToList();
        Console.WriteLine();
        if (measured.Count > 0)
        {
            var slowest = measured.MaxBy(r => r.Result!.CpuMs)!;
            var largest = measured.MaxBy(r => r.Result!.PeakGrowthBytes)!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Worst CPU: {slowest.Result!.CpuMs / 1000:F3} s ({slowest.Label}, {slowest.Bytes} bytes)."));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Worst peak working-set growth: {largest.Result!.PeakGrowthBytes / (double)MiB:F1} MB ({largest.Label}, {largest.Bytes} bytes)."));
        }

        if (measured.Where(r => r.Group == Group.Corpus).MaxBy(r => CpuMsPerKiB(r)) is { } densest)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Ordinary corpus: worst {CpuMsPerKiB(densest):F3} CPU-ms per KiB ({densest.Label}, {densest.Bytes} bytes, {densest.Result!.CpuMs:F1} ms; a file under {CostFuzzer.MinScoredBytes} bytes counts as that long)."));
        }

        if (measured.Any(r => !r.Result!.PeakReset))
        {
            Console.WriteLine("Note: /proc/self/clear_refs refused a peak reset; peak growth is measured from the peak before the check (an underestimate).");
        }

        var failures = new List<string>();
        failures.AddRange(rows.Where(r => r.Failure is not null).Select(r => $"{r.Label}: the check failed ({r.Failure})"));
        failures.AddRange(measured.Where(r => r.Clean == false && r.Result!.Accepted).Select(r => $"{r.Label}: accepted, though the shape is not clean"));
        failures.AddRange(measured.Where(r => r.Result!.CpuMs > MaxCpuSeconds * 1000).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Label}: {r.Result!.CpuMs / 1000:F2} s CPU, over {MaxCpuSeconds} s")));
        failures.AddRange(measured.Where(r => r.Result!.PeakGrowthBytes > MaxPeakGrowthBytes).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Label}: peak working set grew {r.Result!.PeakGrowthBytes / (double)MiB:F0} MB, over {MaxPeakGrowthBytes / MiB} MB")));
        var spent = measured.Where(r => r.Result!.Exceeded).Select(r => r.Label).ToList();
        Console.WriteLine(spent.Count == 0
            ? "No input spent its whole work budget."
            : $"Refused by the work budget's backstop (not for their structure): {string.Join("; ", spent)}.");
        Console.WriteLine(failures.Count == 0
            ? $"PASS: no check over {MaxCpuSeconds} s CPU or {MaxPeakGrowthBytes / MiB} MB, no crafted shape accepted unless clean ({measured.Count} inputs)."
            : $"FAIL:\n- {string.Join("\n- ", failures)}");
        return failures.Count == 0 ? 0 : 1;
    }

    private static double CpuMsPerKiB(Row row) => row.Result!.CpuMs / (Math.Max(row.Bytes, CostFuzzer.MinScoredBytes) / (double)KiB);

    private static string Format(Row row)
    {
        if (row.Result is not { } m)
        {
            return $"| {row.Label} | {ByteSize.Describe(row.Bytes)} | FAILED: {row.Failure} | | | | |";
        }

        var verdict = m.Accepted ? $"accepted ({m.DetectedType})" : $"refused: {Prefix(m.Reason ?? "")}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {row.Label} | {ByteSize.Describe(row.Bytes)} | {verdict.Replace("|", "\\|", StringComparison.Ordinal)} | {m.Units} ({100.0 * m.Units / m.Budget:F1} %){(m.Exceeded ? " SPENT" : "")} | {m.CpuMs:F1} | {m.AllocatedBytes / (double)MiB:F1} | {m.PeakGrowthBytes / (double)MiB:F1} |");
    }

    private static string Prefix(string reason) => reason.Length <= 60 ? reason : reason[..60] + "…";

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    private enum Group
    {
        Shape,
        Fuzz,
        Corpus,
    }

    /// <param name="Clean">The shape's <see cref="AdversarialShape.Clean"/>; null for inputs that are not crafted shapes.</param>
    private sealed record Input(Group Group, string Label, byte[] Bytes, string ContentType, string FileName, bool? Clean);

    private sealed record Row(Group Group, string Label, long Bytes, bool? Clean, Measurement? Result, string? Failure);

    /// <summary>What the child measured (one JSON line).</summary>
    /// <param name="PeakReset">True when VmHWM could be reset to the resident set before the check.</param>
    private sealed record Measurement(double CpuMs, long AllocatedBytes, long PeakGrowthBytes, bool PeakReset, long Units, long Budget, bool Exceeded, bool Accepted, string? DetectedType, string? Reason);
}
