using System.ComponentModel.DataAnnotations;

namespace Uploads.Core.Configuration;

/// <summary>Post-upload verification and its reconciliation pass. Bound from the <c>Verification</c> section and validated at start-up.</summary>
public sealed class VerificationOptions
{
    public const string SectionName = "Verification";

    /// <summary>The app setting that holds the reconciliation timer's schedule, as the timer binding names it.</summary>
    public const string ReconcileScheduleSetting = "Verification:ReconcileSchedule";

    /// <summary>
    /// Event Grid custom topic endpoint that receives one event per verdict; unset, no events are published.
    /// Authenticated with the app's identity (role <c>EventGrid Data Sender</c>), never with a topic key.
    /// </summary>
    public Uri? EventGridTopicEndpoint { get; set; }

    /// <summary>
    /// NCRONTAB schedule (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>) of the reconciliation pass that
    /// verifies every upload still without a verdict. Read by the host, which resolves the timer binding's
    /// <c>%Verification:ReconcileSchedule%</c> (the function does not load without it: the template sets it); checked
    /// here only for its shape.
    /// </summary>
    [RegularExpression(@"^\s*\S+(\s+\S+){4,5}\s*$", ErrorMessage = "Verification:ReconcileSchedule must be an NCRONTAB schedule of six fields, such as \"0 */5 * * * *\".")]
    public string? ReconcileSchedule { get; set; }

    /// <summary>
    /// How old an upload without a verdict must be before the reconciliation pass verifies it: the time its
    /// <c>BlobCreated</c> event normally takes to arrive (Event Grid retries within seconds to minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Verification:ReconcileGracePeriod must be between 0 and 1 day.")]
    public TimeSpan ReconcileGracePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a status or renewal request waits for the check of an upload still pending before it answers
    /// <c>pending</c> (with <c>Retry-After</c>) and leaves the check to go on in the background: a request never waits
    /// for a long check. Small files are checked well within it, so the client usually gets the verdict in that round trip.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30", ErrorMessage = "Verification:RequestWait must be between 0 and 30 seconds.")]
    public TimeSpan RequestWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many checks run at once in one instance, whichever entry point asked (Blob trigger, reconciliation pass,
    /// status, renewal); the others wait, queued per client and served in turn (<c>Verification/CheckScheduler</c>).
    /// A check is CPU work on one thread at a time: the default is one per processor, at least two.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Verification:MaxConcurrentChecks must be between 1 and 256.")]
    public int MaxConcurrentChecks { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How many uploads the reconciliation pass verifies at once (each check still takes one of <see cref="MaxConcurrentChecks"/>).</summary>
    [Range(1, 64, ErrorMessage = "Verification:ReconcileConcurrency must be between 1 and 64.")]
    public int ReconcileConcurrency { get; set; } = 4;

    /// <summary>
    /// The container Event Grid dead-letters undeliverable <c>BlobCreated</c> events to; the reconciliation pass
    /// verifies the blobs they name and deletes each dead-letter file it has handled. Unset, dead letters are not read.
    /// </summary>
    [ContainerName("Verification:DeadLetterContainerName")]
    public string? DeadLetterContainerName { get; set; }

    /// <summary>
    /// When the check of a presigned upload computes the file's SHA-256 (which means reading all of its bytes, where
    /// the sniffer reads only what it needs): <c>declared</c> (the default), when its client declared one with the URL
    /// request; <c>always</c>, for every upload, so that every verdict, status and event carries it. A direct upload
    /// always has it (computed while it streams). docs/reliability.md, "End-to-end SHA-256"; cost in docs/measurements.md.
    /// </summary>
    [RegularExpression("^(?i:declared|always)$", ErrorMessage = "Verification:ComputeSha256 must be \"declared\" (compute the SHA-256 of a presigned upload when its client declared one) or \"always\" (for every upload).")]
    public string ComputeSha256 { get; set; } = "declared";

    /// <summary><see cref="ComputeSha256"/> is <c>always</c>.</summary>
    public bool ComputesSha256Always => string.Equals(ComputeSha256, "always", StringComparison.OrdinalIgnoreCase);
}
