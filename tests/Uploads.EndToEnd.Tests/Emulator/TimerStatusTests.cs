using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.HostEmulator.Triggers;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// The timer's schedule status across a restart, as the host's Timer extension keeps it: a blob
/// <c>timers/&lt;hostid&gt;/Host.Functions.ReconcileUploads/status</c> in <c>azure-webjobs-hosts</c> of
/// AzureWebJobsStorage, and an occurrence missed while the host was down runs at start-up with IsPastDue.
/// </summary>
public sealed class TimerStatusTests : IAsyncLifetime
{
    // The tests' default reconciliation schedule: 1 January, yearly (monitored: less often than once a minute).
    private const string Yearly = "0 0 0 1 1 *";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _hostId = "timer-" + Guid.NewGuid().ToString("N")[..12];
    private AzuriteInstance? _azurite;

    public async Task InitializeAsync() => _azurite = await AzuriteInstance.StartAsync(AzuriteMode.SharedKey);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private Azure.Storage.Blobs.BlobClient StatusBlob => _azurite!.CreateServiceClient()
        .GetBlobContainerClient(TimerStatusStore.ContainerName)
        .GetBlobClient(TimerStatusStore.BlobName(_hostId, "Host.Functions.ReconcileUploads"));

    private Task<FunctionsApp> StartAsync() =>
        FunctionsApp.StartAsync(_azurite!, new Dictionary<string, string?> { ["AzureFunctionsWebHost__hostid"] = _hostId, ["Verification__ReconcileSchedule"] = Yearly });

    private async Task<JsonElement?> StatusAsync() =>
        (await StatusBlob.ExistsAsync()).Value ? JsonDocument.Parse((await StatusBlob.DownloadContentAsync()).Value.Content.ToString()).RootElement.Clone() : null;

    private static DateTimeOffset NextFirstOfJanuary(DateTimeOffset after)
    {
        var local = TimeZoneInfo.ConvertTime(after, TimeZoneInfo.Local);
        var next = new DateTime(local.Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(next, TimeZoneInfo.Local.GetUtcOffset(next));
    }

    [Fact]
    public async Task Restart_OccurrenceMissedWhileStopped_RunsAtStartUpPastDueAndStatusKeptInHostStorage()
    {
        await using (var first = await StartAsync())
        {
            // First start: the host records the next occurrence before anything ran.
            Assert.True(await Eventually.WithinAsync(async () => await StatusAsync() is not null, Bound), "no status blob");
            var recorded = (await StatusAsync())!.Value;
            Assert.Equal(NextFirstOfJanuary(DateTimeOffset.Now), recorded.GetProperty("Next").GetDateTimeOffset());
            Assert.Equal(0, first.Emulator.TimerInvocations);
        }

        // While the host was stopped, the recorded occurrence passed: what the status of a host that last ran on
        // 1 January two years ago looks like (Next follows from Last, so it is no schedule change).
        var last = NextFirstOfJanuary(DateTimeOffset.Now.AddYears(-3));
        var missed = NextFirstOfJanuary(last);
        await StatusBlob.UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(new { Last = last, Next = missed, LastUpdated = last })), overwrite: true);

        await using var second = await StartAsync();

        Assert.True(await Eventually.WithinAsync(() => second.HostLog.Contains("UnscheduledInvocationReason: IsPastDue", StringComparison.Ordinal), Bound), second.HostLog);
        Assert.True(await Eventually.WithinAsync(async () => (await StatusAsync())?.GetProperty("Last").GetDateTimeOffset() > last, Bound), "the status was not updated after the run");
        var updated = (await StatusAsync())!.Value;
        Assert.Equal(1, second.Emulator.TimerInvocations);
        Assert.Equal(NextFirstOfJanuary(DateTimeOffset.Now), updated.GetProperty("Next").GetDateTimeOffset());
        Assert.Contains("(invocation ", second.HostLog, StringComparison.Ordinal);
        Assert.Contains("PastDue)", second.HostLog, StringComparison.Ordinal);
    }
}
