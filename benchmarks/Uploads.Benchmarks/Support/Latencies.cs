namespace Uploads.Benchmarks.Support;

/// <summary>Percentiles (nearest rank) and the median of measured values.</summary>
internal static class Latencies
{
    /// <summary>The nearest-rank percentile of <paramref name="sorted"/> (ascending), p in [0, 1].</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Sorts the values in place and returns them (for <see cref="Percentile"/>).</summary>
    public static List<double> Sorted(List<double> values)
    {
        values.Sort();
        return values;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
