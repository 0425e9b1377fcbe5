using Microsoft.Extensions.Logging;
using Uploads.EndToEnd.Tests.Support;
using Uploads.HostEmulator.Worker;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>What <see cref="WorkerErrors"/> leaves out: the SDK's pairing race, and only after the host cancelled that invocation.</summary>
public sealed class WorkerErrorsTests
{
    private const string Id = "a2d4de70-5d5f-4ea5-86c5-7ffb48a4a5d3";

    private static readonly WorkerLogEntry Cancelled = new("Uploads.Functions.Middleware.CancelledInvocationMiddleware", LogLevel.Information, $"Function DirectUpload: the host cancelled the invocation (the client went away) before it ran (invocation {Id})", Id, "InvocationCancelled", null, true);

    private static WorkerLogEntry Race(string id) => new("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error, "An unhandled exception was thrown by the application.", null, "ApplicationError", $"System.InvalidOperationException: Context for invocation id '{id}' does not exist.\n   at Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore.DefaultHttpCoordinator.RunFunctionInvocationAsync(String invocationId)", true);

    [Fact]
    public void Of_SdkPairingRaceAfterTheHostCancelled_LeftOut() =>
        Assert.Empty(WorkerErrors.Of([Cancelled, Race(Id)]));

    [Fact]
    public void Of_SdkPairingRaceOfAnInvocationNotCancelled_Kept() =>
        Assert.Single(WorkerErrors.Of([Cancelled, Race("0b8f6a3e-1111-4c2d-9e0f-123456789abc")]));

    [Fact]
    public void Of_AnyOtherError_Kept() =>
        Assert.Single(WorkerErrors.Of([Cancelled, new WorkerLogEntry("Uploads.Core.Uploads.DirectUploadService", LogLevel.Error, "storage failed", Id, "StorageFailed", "System.IO.IOException: reset", true)]));
}
