namespace Uploads.Sniffing.ActiveContent;

/// <summary>The one wording of active-content verdicts: the first finding the policy does not allow refuses the file.</summary>
internal static class ActiveContentVerdict
{
    public static SniffOutcome.Detected Decide(string mediaType, List<ActiveContentFinding> findings, ActiveContentKinds allowed)
    {
        if (findings.Count == 0)
        {
            return new(mediaType, null);
        }

        var refused = findings.Find(f => (allowed & f.Kind) == 0);
        return new(mediaType, refused is null ? null : $"{refused.Reason}. Documents that run code, reach outside themselves or carry other files are refused.")
        {
            ActiveContent = findings,
        };
    }

    /// <summary>A file that cannot be checked within the bounds: refused whatever the policy allows.</summary>
    public static SniffOutcome.Detected Unverifiable(string mediaType, string format, string reason, List<ActiveContentFinding>? findings = null) =>
        new(mediaType, $"The {format} could not be checked for active content within the bounds: {reason}. Re-save it (or print it to PDF) and upload that.")
        {
            ActiveContent = findings ?? [],
        };

    public static void Add(List<ActiveContentFinding> findings, ActiveContentKinds kind, string reason)
    {
        if (!findings.Exists(f => f.Reason == reason))
        {
            findings.Add(new(kind, reason));
        }
    }
}
