using System.Diagnostics;

namespace Uploads.Sniffing;

/// <summary>
/// The work one check of one file may do, whatever the file: units of work proportional to the bytes it may examine
/// plus a constant, and a time limit on the time spent working (not on waiting for storage). Every parser and scanner
/// of uploaded bytes charges it in every loop (bytes scanned, inflated, copied or allocated; elements, entries,
/// objects and nodes visited: <see cref="WorkCost"/>), and nested content (a package inside a package) charges the
/// same budget, never a fresh one. When it is spent, the charge throws <see cref="WorkBudgetExceededException"/>,
/// which <see cref="ContentSniffer"/> and <see cref="ActiveContentScanner"/> turn into a refusal
/// (<see cref="WorkBudgetExceededException.Refusal"/>): a file that could not be checked is never accepted.
/// Cancellation is honoured at every charge (<see cref="OperationCanceledException"/>, never a verdict).
/// One budget per check; not thread-safe (a check runs its parsers one at a time).
/// </summary>
public sealed class WorkBudget
{
    /// <summary>The constant part: what a tiny file may cost (enough for any ordinary file's fixed overheads).</summary>
    public const long BaseUnits = 48L * 1024 * 1024;

    /// <summary>The proportional part: units per byte the check may examine.</summary>
    public const int UnitsPerByte = 8;

    /// <summary>
    /// The most bytes any check examines (a PDF is scanned whole up to <see cref="ActiveContentScanner.MaxScanBytes"/>;
    /// every other format reads far less), so no file's budget exceeds <c>BaseUnits + UnitsPerByte × this</c>.
    /// </summary>
    public const long MaxBudgetedBytes = ActiveContentScanner.MaxScanBytes;

    /// <summary>The default limit on time spent working on one file (a backstop behind the units; configurable).</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>How many charges pass between two looks at the clock (a charge is otherwise a subtraction).</summary>
    private const int ClockEvery = 256;

    private readonly CancellationToken _cancellationToken;
    private readonly long _timeLimitTicks;
    private long _remaining;
    private long _workedTicks;
    private long _enteredAt;
    private int _depth;
    private int _untilClock = ClockEvery;

    /// <summary>A budget of <paramref name="units"/> units and <paramref name="timeLimit"/> of work.</summary>
    public WorkBudget(long units, TimeSpan timeLimit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeLimit, TimeSpan.Zero);
        Limit = units;
        _remaining = units;
        TimeLimit = timeLimit;
        _timeLimitTicks = (long)(timeLimit.TotalSeconds * Stopwatch.Frequency);
        _cancellationToken = cancellationToken;
    }

    /// <summary>The budget for a file of <paramref name="length"/> bytes (null: not known yet, the largest budget).</summary>
    public static WorkBudget ForFile(long? length, TimeSpan? timeLimit = null, CancellationToken cancellationToken = default) =>
        new(UnitsFor(length), timeLimit ?? DefaultTimeLimit, cancellationToken);

    /// <summary>The units a file of <paramref name="length"/> bytes may cost (null: unknown length, the largest).</summary>
    public static long UnitsFor(long? length) =>
        BaseUnits + (UnitsPerByte * Math.Clamp(length ?? MaxBudgetedBytes, 0, MaxBudgetedBytes));

    /// <summary>The units this budget started with.</summary>
    public long Limit { get; }

    /// <summary>The units charged so far (may pass <see cref="Limit"/> by the charge that spent it).</summary>
    public long Spent => Limit - _remaining;

    /// <summary>The limit on time spent working.</summary>
    public TimeSpan TimeLimit { get; }

    /// <summary>Time spent inside <see cref="Enter"/> scopes so far.</summary>
    public TimeSpan Worked => TimeSpan.FromSeconds((_workedTicks + (_depth > 0 ? Stopwatch.GetTimestamp() - _enteredAt : 0)) / (double)Stopwatch.Frequency);

    /// <summary>True once a charge has spent it (every later charge throws too).</summary>
    public bool IsSpent => _remaining < 0;

    /// <summary>Charges <paramref name="units"/> (negative counts as zero).</summary>
    /// <exception cref="WorkBudgetExceededException">The units or the time are spent.</exception>
    /// <exception cref="OperationCanceledException">The check was cancelled.</exception>
    public void Charge(long units)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (units > 0)
        {
            _remaining -= units;
        }

        if (_remaining < 0)
        {
            throw new WorkBudgetExceededException(this, timedOut: false);
        }

        if (--_untilClock <= 0)
        {
            _untilClock = ClockEvery;
            if (_depth > 0 && _workedTicks + (Stopwatch.GetTimestamp() - _enteredAt) > _timeLimitTicks)
            {
                _remaining = -1;
                throw new WorkBudgetExceededException(this, timedOut: true);
            }
        }
    }

    /// <summary>Charges <paramref name="bytes"/> × <paramref name="unitsPerByte"/>.</summary>
    public void ChargeBytes(long bytes, int unitsPerByte = WorkCost.ScanByte) => Charge(bytes * unitsPerByte);

    /// <summary>The units of looking at <paramref name="bytes"/> once (searching, comparing, hashing): what a budget for a pass over them needs.</summary>
    public static long ScanUnits(long bytes) => bytes * WorkCost.ScanByte;

    /// <summary>
    /// Starts timing a stretch of work (a synchronous call into the sniffer); dispose to stop. Nested scopes count once.
    /// Time outside every scope (waiting for the next range from storage or the network) is not counted.
    /// </summary>
    public Scope Enter()
    {
        if (_depth++ == 0)
        {
            _enteredAt = Stopwatch.GetTimestamp();
        }

        // Checked on entry too: a check whose time is up does no more work.
        Charge(0);
        return new Scope(this);
    }

    private void Exit()
    {
        if (--_depth == 0)
        {
            _workedTicks += Stopwatch.GetTimestamp() - _enteredAt;
        }
    }

    /// <summary>A stretch of work being timed (<see cref="Enter"/>).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly WorkBudget? _budget;

        internal Scope(WorkBudget budget) => _budget = budget;

        public void Dispose() => _budget?.Exit();
    }
}

/// <summary>
/// The weights of <see cref="WorkBudget"/>'s units, owned here so that every parser charges alike. A unit is about
/// the cost of looking at one byte; the weights are relative costs measured on this code (docs/sniffing.md).
/// </summary>
internal static class WorkCost
{
    /// <summary>A byte looked at (searched, compared, hashed, copied once).</summary>
    public const int ScanByte = 1;

    /// <summary>A byte produced by a decoder (inflate, LZW, ASCII85, ...), its allocation included.</summary>
    public const int DecodedByte = 4;

    /// <summary>A byte allocated to hold parsed structure (lists, strings, dictionaries).</summary>
    public const int AllocatedByte = 2;

    /// <summary>One node of a parsed structure visited: an object, element, attribute, entry, directory record or edge.</summary>
    public const int Node = 64;

    /// <summary>One small token made into a value or visited as one (a PDF number, name, key or reference: a few bytes each), its allocation included.</summary>
    public const int Token = 16;

    /// <summary>
    /// One node read by a streaming XML reader (an element, end tag, text, attribute), its characters charged apart
    /// as <see cref="ScanByte"/>: lighter than <see cref="Node"/>, since markup may hold a node every four bytes
    /// (<c>&lt;g/&gt;</c>) and the densest well-formed SVG must still fit its budget.
    /// </summary>
    public const int MarkupNode = 16;

    /// <summary>
    /// One round of a check: an evaluation after a range read (or a pass of the stream), which re-reads the head's
    /// signatures and resumes a structure walk (docs/sniffing.md, "Files inside files: audio and video").
    /// </summary>
    public const int Round = 4096;
}

/// <summary>
/// A check has spent its <see cref="WorkBudget"/>: the file is refused as unverifiable with <see cref="Refusal"/>.
/// Thrown by <see cref="WorkBudget.Charge"/>; never escapes the sniffer's public entry points.
/// </summary>
public sealed class WorkBudgetExceededException : Exception
{
    public WorkBudgetExceededException()
        : this("The file needs more work to check than any file of its size may take.")
    {
    }

    public WorkBudgetExceededException(string message)
        : base(message)
    {
        Refusal = message;
    }

    public WorkBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Refusal = message;
    }

    internal WorkBudgetExceededException(WorkBudget budget, bool timedOut)
        : this(timedOut
            ? $"The file could not be verified: checking it took longer than {budget.TimeLimit.TotalSeconds:0.#} s of work, the limit for one file. Files whose structure is unusually complex or repetitive are refused rather than accepted unchecked; re-save it with ordinary software (or print it to PDF) and upload that."
            : "The file could not be verified: its structure needs far more work to check than any ordinary file of its size (a crafted or unusually repetitive file). It was refused rather than accepted unchecked; re-save it with ordinary software (or print it to PDF) and upload that.")
    {
        TimedOut = timedOut;
    }

    /// <summary>True when the time limit, not the units, was spent.</summary>
    public bool TimedOut { get; }

    /// <summary>The reason to give the uploader.</summary>
    public string Refusal { get; }
}
