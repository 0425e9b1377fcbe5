using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Worker;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// The errors (and worse) in a worker's logs that are the app's to answer for. One is left out: the worker SDK's own
/// race when the host cancels an HTTP invocation (the client went away) while its request is still on the way to the
/// worker. Cancelled, the invocation drops its pairing; the request then arrives and the ASP.NET Core integration
/// throws "Context for invocation id '…' does not exist", which its Kestrel logs as an error
/// (<c>DefaultHttpCoordinator.RunFunctionInvocationAsync</c>, Worker.Extensions.Http.AspNetCore 2.1.1). The Functions
/// host cancels such invocations too, so this happens in Azure as well; it is left out only for an invocation the app
/// logged as cancelled by the host.
/// </summary>
internal static partial class WorkerErrors
{
    public static List<WorkerLogEntry> Of(IEnumerable<WorkerLogEntry> logs)
    {
        var entries = logs.ToList();
        var cancelled = entries.Where(l => l.EventId == "InvocationCancelled" && l.InvocationId is { Length: > 0 }).Select(l => l.InvocationId!).ToHashSet(StringComparer.Ordinal);
        return [.. entries.Where(l => l.Level >= LogLevel.Error && !(l.Exception is { } ex && SdkPairingRace().Match(ex) is { Success: true } race && cancelled.Contains(race.Groups[1].Value)))];
    }

    [GeneratedRegex(@"^System\.InvalidOperationException: Context for invocation id '([0-9a-f-]{36})' does not exist\.")]
    private static partial Regex SdkPairingRace();
}
