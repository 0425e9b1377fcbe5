using System.Diagnostics;
using System.Globalization;

namespace Uploads.Testing;

/// <summary>
/// Waits for something that happens on its own time (a log line, a background step, a blob that appears or goes, a
/// service that starts answering), polling within a bound: the one wait every test uses instead of a loop of its own.
/// The <c>WithinAsync</c> forms answer whether (or what) it was within the bound, for the test's own assertion; the
/// <c>UntilAsync</c> forms throw a <see cref="TimeoutException"/> that says what did not happen and for how long.
/// A condition is asked at once, then every <see cref="Interval"/> (or the interval given) until the bound has passed
/// (<see cref="Timeout.InfiniteTimeSpan"/>: until the cancellation token fires).
/// </summary>
public static class Eventually
{
    /// <summary>How long to wait between two looks when the caller gives no interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>The value that stands for a condition that held.</summary>
    private static readonly object Held = new();

    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="bound"/> has passed without it.</summary>
    public static Task<bool> WithinAsync(Func<bool> condition, TimeSpan bound, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WithinAsync(_ => Task.FromResult(condition()), bound, interval, cancellationToken);
    }

    /// <summary>As <see cref="WithinAsync(Func{bool}, TimeSpan, TimeSpan?, CancellationToken)"/>, for a condition that asks something (an HTTP call, storage).</summary>
    public static Task<bool> WithinAsync(Func<Task<bool>> condition, TimeSpan bound, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WithinAsync(_ => condition(), bound, interval, cancellationToken);
    }

    /// <summary>As <see cref="WithinAsync(Func{bool}, TimeSpan, TimeSpan?, CancellationToken)"/>, for a condition that takes the wait's cancellation.</summary>
    public static async Task<bool> WithinAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan bound, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return await ValueWithinAsync(async ct => await condition(ct).ConfigureAwait(false) ? Held : null, bound, interval, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>The first value <paramref name="probe"/> answers other than null; null once <paramref name="bound"/> has passed without one.</summary>
    public static async Task<T?> ValueWithinAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan bound, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await probe(cancellationToken).ConfigureAwait(false) is { } value)
            {
                return value;
            }

            if (bound != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(started) >= bound)
            {
                return null;
            }

            await Task.Delay(interval ?? Interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> once <paramref name="bound"/> has passed without it.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan bound, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        if (!await WithinAsync(condition, bound, interval, cancellationToken).ConfigureAwait(false))
        {
            throw TimedOut(what, bound);
        }
    }

    /// <summary>As <see cref="UntilAsync(Func{bool}, TimeSpan, string, TimeSpan?, CancellationToken)"/>, for a condition that asks something.</summary>
    public static async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan bound, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        if (!await WithinAsync(condition, bound, interval, cancellationToken).ConfigureAwait(false))
        {
            throw TimedOut(what, bound);
        }
    }

    /// <summary>The first value <paramref name="probe"/> answers other than null; throws <see cref="TimeoutException"/> naming <paramref name="what"/> once <paramref name="bound"/> has passed without one.</summary>
    public static async Task<T> ValueAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan bound, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        where T : class =>
        await ValueWithinAsync(probe, bound, interval, cancellationToken).ConfigureAwait(false) ?? throw TimedOut(what, bound);

    private static TimeoutException TimedOut(string what, TimeSpan bound) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Waited {bound.TotalSeconds:0.#} s in vain for: {what}"));
}
