using System.Diagnostics;
using System.Security.Cryptography;

namespace Uploads.Adversarial;

/// <summary>What one check of one input cost.</summary>
/// <param name="Units">The work units it spent (<c>WorkBudget.Spent</c>).</param>
/// <param name="Exceeded">True when it spent its whole budget (it was refused for that, not for its structure).</param>
/// <param name="Verdict">The verdict, as text (the detected type, and the refusal if any).</param>
public readonly record struct CostSample(long Units, bool Exceeded, string Verdict);

/// <summary>An input and what checking it cost.</summary>
/// <param name="IsSeed">True for a seed as given (cut to the fuzzer's length), false for a mutant.</param>
public sealed record CostFinding(byte[] Input, CostSample Cost, bool IsSeed)
{
    /// <summary>The fuzzer's score: units per byte of input, an input under <see cref="CostFuzzer.MinScoredBytes"/> counted as that many.</summary>
    public double UnitsPerByte => Cost.Units / (double)Math.Max(Input.Length, CostFuzzer.MinScoredBytes);

    /// <summary>The file name it is kept under (<see cref="CostFuzzer.NameOf"/>).</summary>
    public string Name => CostFuzzer.NameOf(Input);
}

/// <summary>What a run of <see cref="CostFuzzer"/> found.</summary>
/// <param name="Costliest">The champions at the end, costliest per byte first.</param>
/// <param name="Exceeded">Every distinct input that spent its budget, in the order found.</param>
/// <param name="Iterations">Mutants checked (the seeds not counted).</param>
/// <param name="Elapsed">Time the run took, the seeds' checks included.</param>
public sealed record CostFuzzResult(IReadOnlyList<CostFinding> Costliest, IReadOnlyList<CostFinding> Exceeded, int Iterations, TimeSpan Elapsed);

/// <summary>
/// A seeded mutation search for the inputs that cost the checker the most work per byte (issue "Bounded verification":
/// measure the worst case an attacker can choose). It keeps a small corpus of champions, the costliest inputs by
/// <see cref="CostFinding.UnitsPerByte"/>, and mutates mostly the best of them: byte flips, interesting bytes,
/// inserts, deletions, truncation, splices from other seeds, length fields (1, 2 or 4 bytes, either byte order) set to
/// interesting values or to offsets inside the file, and duplications of a random slice (repeating structure is what
/// makes shapes with repeated offsets and shared entries). It knows nothing of the checker: <c>check</c> runs one check
/// and says what it cost. Bounded by an iteration count and a time limit; for a seed and an iteration count that the
/// time limit does not cut short, the run is deterministic (as long as the check is).
/// </summary>
public sealed class CostFuzzer
{
    /// <summary>Inputs shorter than this are scored as this long, so that a tiny file's fixed cost does not win.</summary>
    public const int MinScoredBytes = 1024;

    /// <summary>How many champions are kept.</summary>
    public const int ChampionCount = 16;

    private static readonly uint[] InterestingWords = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];

    private readonly Func<byte[], CostSample> _check;
    private readonly int _seed;
    private readonly int _maxInputBytes;

    /// <param name="check">Checks one input (with a fresh budget for its length) and says what it cost.</param>
    /// <param name="seed">The random seed: the same seed and iterations give the same run.</param>
    /// <param name="maxInputBytes">Seeds are cut and mutants truncated to this length.</param>
    public CostFuzzer(Func<byte[], CostSample> check, int seed, int maxInputBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputBytes);
        _check = check;
        _seed = seed;
        _maxInputBytes = maxInputBytes;
    }

    /// <summary>The name an input is kept under: the start of its SHA-256, in hex, and <c>.bin</c>.</summary>
    public static string NameOf(byte[] input) => Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin";

    /// <summary>
    /// Checks every seed, then <paramref name="iterations"/> mutants (or as many as <paramref name="timeLimit"/> allows).
    /// <paramref name="exceeded"/> is told of every distinct input that spends its budget, as soon as it is found.
    /// </summary>
    public CostFuzzResult Run(IEnumerable<byte[]> seeds, int iterations, TimeSpan timeLimit, Action<CostFinding>? exceeded = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var clock = Stopwatch.StartNew();
        var random = new Random(_seed);
        var starts = seeds.Where(s => s.Length > 0).Select(s => s.Length > _maxInputBytes ? s[.._maxInputBytes] : s).ToArray();
        if (starts.Length == 0)
        {
            throw new ArgumentException("No non-empty seed.", nameof(seeds));
        }

        var champions = new List<CostFinding>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        var spent = new List<CostFinding>();
        void Consider(byte[] input, bool isSeed)
        {
            var finding = new CostFinding(input, _check(input), isSeed);
            if (!known.Add(finding.Name))
            {
                return;
            }

            if (finding.Cost.Exceeded)
            {
                // Reported, not bred from: its mutants would spend the budget too and hide everything else.
                spent.Add(finding);
                exceeded?.Invoke(finding);
                return;
            }

            var at = champions.FindIndex(c => c.UnitsPerByte < finding.UnitsPerByte);
            if (at < 0 && champions.Count < ChampionCount)
            {
                champions.Add(finding);
            }
            else if (at >= 0)
            {
                champions.Insert(at, finding);
                if (champions.Count > ChampionCount)
                {
                    champions.RemoveAt(ChampionCount);
                }
            }
        }

        foreach (var start in starts)
        {
            Consider(start, isSeed: true);
        }

        var done = 0;
        for (; done < iterations && clock.Elapsed < timeLimit; done++)
        {
            // Mostly the best champions (a random index below a random bound favours the first), sometimes a fresh seed.
            var parent = champions.Count == 0 || random.Next(4) == 0
                ? starts[random.Next(starts.Length)]
                : champions[random.Next(1 + random.Next(champions.Count))].Input;
            var mutant = Mutate(parent, starts, random, structural: true);
            Consider(mutant.Length > _maxInputBytes ? mutant[.._maxInputBytes] : mutant, isSeed: false);
        }

        return new CostFuzzResult(champions, spent, done, clock.Elapsed);
    }

    /// <summary>
    /// One mutant of <paramref name="original"/>: 1 to 4 steps of bit flips, interesting bytes, 2- and 4-byte length
    /// fields set to interesting values, truncation, random inserts, deletions, splices from <paramref name="seeds"/> and
    /// random runs. <paramref name="structural"/> adds duplications of a random slice (repeated structure) and 1-, 2- or
    /// 4-byte fields set to offsets and lengths inside the file; without it the draws are those of the crash fuzzer's
    /// original mutator, so its seeded runs stay as they were.
    /// </summary>
    public static byte[] Mutate(byte[] original, IReadOnlyList<byte[]> seeds, Random random, bool structural = false)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(random);
        var data = new List<byte>(original);
        var steps = 1 + random.Next(4);
        for (var s = 0; s < steps; s++)
        {
            if (data.Count == 0)
            {
                data.Add((byte)random.Next(256));
            }

            var at = random.Next(data.Count);
            switch (random.Next(structural ? 10 : 8))
            {
                case 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data[at] = (byte)InterestingWords[random.Next(5)];
                    break;
                case 2:
                    // A length field: 2 or 4 bytes, either byte order.
                    var word = random.Next(3) == 0 ? (uint)random.Next() : InterestingWords[random.Next(InterestingWords.Length)];
                    SetField(data, at, word, random.Next(2) == 0 ? 2 : 4, bigEndian: random.Next(2) == 0);
                    break;
                case 3:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 4:
                    data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(64)).Select(_ => (byte)random.Next(256)));
                    break;
                case 5:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(256)));
                    break;
                case 6:
                    var other = seeds[random.Next(seeds.Count)];
                    var from = random.Next(other.Length);
                    var length = Math.Min(other.Length - from, 1 + random.Next(4096));
                    data.RemoveRange(at, Math.Min(data.Count - at, length));
                    data.InsertRange(at, other.Skip(from).Take(length));
                    break;
                case 7:
                    for (var b = 0; b < 16 && at + b < data.Count; b++)
                    {
                        data[at + b] = (byte)random.Next(256);
                    }

                    break;
                case 8:
                    // A slice repeated: right after itself (a run of the same record) or elsewhere (a shared entry).
                    var sliceLength = Math.Min(data.Count - at, 1 + random.Next(random.Next(2) == 0 ? 64 : 4096));
                    var slice = data.GetRange(at, sliceLength);
                    var to = random.Next(2) == 0 ? at + sliceLength : random.Next(data.Count + 1);
                    for (var copies = 1 + random.Next(8); copies > 0; copies--)
                    {
                        data.InsertRange(to, slice);
                    }

                    break;
                default:
                    // An offset, count or length that points inside the file (or just past it): 1, 2 or 4 bytes, either order.
                    var value = random.Next(3) switch
                    {
                        0 => (uint)random.Next(data.Count + 1),
                        1 => (uint)(data.Count - at),
                        _ => (uint)(1 + random.Next(64)),
                    };
                    SetField(data, at, value, 1 << random.Next(3), bigEndian: random.Next(2) == 0);
                    break;
            }
        }

        return [.. data];
    }

    private static void SetField(List<byte> data, int at, uint value, int width, bool bigEndian)
    {
        for (var b = 0; b < width && at + b < data.Count; b++)
        {
            var shift = bigEndian ? 8 * (width - 1 - b) : 8 * b;
            data[at + b] = (byte)(value >> shift);
        }
    }
}
