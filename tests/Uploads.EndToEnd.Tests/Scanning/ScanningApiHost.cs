using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Scanning;

/// <summary>
/// The standard host with malware scanning on (refuse what has no usable result), the results queue on the uploads
/// account through the identity-based connection (<c>UploadStorage__queueServiceUri</c>, as the template sets it), a
/// result deadline of <see cref="Deadline"/> and the reconciliation pass every 2 s (seconds where Azure uses minutes).
/// </summary>
public class ScanningApiHost : ApiHost
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    protected virtual string Unscanned => "Refuse";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["MalwareScanning__Enabled"] = "true",
        ["AzureWebJobs.ReceiveMalwareScanResult.Disabled"] = "false",
        ["MalwareScanning__Unscanned"] = Unscanned,
        ["MalwareScanning__ResultDeadline"] = Deadline.ToString(),
        ["UploadStorage__queueServiceUri"] = Azurite.QueueServiceUri!.ToString(),
        ["Verification__ReconcileSchedule"] = "*/2 * * * * *",
        ["Verification__ReconcileGracePeriod"] = "00:00:01",
    };
}

/// <summary>The same, accepting files without a usable scan result (marked unscanned).</summary>
public sealed class AcceptUnscannedApiHost : ScanningApiHost
{
    protected override string Unscanned => "Accept";
}
