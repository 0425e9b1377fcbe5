using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Configuration;
using Uploads.Core.Verification;

namespace Uploads.Functions.Functions;

/// <summary>
/// The reconciliation pass on a timer (<c>Verification:ReconcileSchedule</c>): verifies every upload whose
/// <c>BlobCreated</c> event was late, dropped or dead-lettered, so that none stays pending.
/// </summary>
internal sealed class ReconcileUploads(UploadReconciler reconciler)
{
    [Function(nameof(ReconcileUploads))]
    public Task Run([TimerTrigger("%" + VerificationOptions.ReconcileScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return reconciler.RunAsync(cancellationToken);
    }
}
