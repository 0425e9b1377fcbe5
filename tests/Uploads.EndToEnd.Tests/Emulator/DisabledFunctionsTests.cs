using System.Net;
using Uploads.EndToEnd.Tests.Support;
using Uploads.HostEmulator.Queues;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// <c>AzureWebJobs.&lt;name&gt;.Disabled</c> for every kind of trigger, as the host honours it ("Disable functions in
/// Azure Functions"; the host's <c>FunctionInvocationMiddleware</c>): the function is still loaded, but an HTTP function
/// answers an empty 404 (the host runs it only for the master key, which the emulator has not), a timer is not
/// scheduled, and a Blob trigger's queued event is completed without running it (the host registers no listener for
/// it, so its queue executor finds no function). The enabled paths are pinned by the endpoint, webhook and timer tests.
/// </summary>
public sealed class DisabledFunctionsTests(AzuriteHostStorageFixture fixture) : IClassFixture<AzuriteHostStorageFixture>
{
    private static readonly Dictionary<string, string?> Disabled = new()
    {
        ["AzureWebJobs.GetUploadPolicy.Disabled"] = "true",
        // The environment variable's form, and the value 1: both read as the host reads them.
        ["AzureWebJobs__VerifyUpload__Disabled"] = "1",
        ["AzureWebJobs.ReconcileUploads.Disabled"] = "True",
        // Every second: enabled, the timer would be scheduled and run at once.
        ["Verification__ReconcileSchedule"] = "*/1 * * * * *",
    };

    [Fact]
    public async Task Start_FunctionsDisabled_LoadedButListedAsDisabled()
    {
        await using var app = await FunctionsApp.StartAsync(fixture.Azurite, Disabled);

        Assert.Equal(["GetUploadPolicy", "ReceiveMalwareScanResult", "ReconcileUploads", "VerifyUpload"], app.Emulator.DisabledFunctionNames.Order(StringComparer.Ordinal));
        Assert.Contains("GetUploadPolicy", app.Emulator.FunctionNames);
        Assert.Contains($"GET /{HttpRoutes.PolicyPath} -> GetUploadPolicy (disabled)", app.Emulator.HttpRoutes);
        Assert.Contains($"GET /{HttpRoutes.OpenApiPath} -> GetOpenApiDocument", app.Emulator.HttpRoutes);
        Assert.Empty(app.Emulator.TimerFunctionNames);
        Assert.Contains("Function 'Functions.ReconcileUploads' is disabled", app.HostLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_HttpFunctionDisabled_Empty404WhileTheOthersAnswer()
    {
        await using var app = await FunctionsApp.StartAsync(fixture.Azurite, Disabled);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var disabled = await http.GetAsync(new Uri(HttpRoutes.PolicyPath, UriKind.Relative));
        using var enabled = await http.GetAsync(new Uri(HttpRoutes.OpenApiPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, disabled.StatusCode);
        Assert.Empty(await disabled.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
    }

    [Fact]
    public async Task Notify_BlobTriggerDisabled_EventAcceptedAndCompletedWithoutRunning()
    {
        await using var app = await FunctionsApp.StartAsync(fixture.Azurite, Disabled);
        var blobUrl = new Uri($"{fixture.Azurite.BlobServiceUri.AbsoluteUri.TrimEnd('/')}/uploads/{Guid.NewGuid():N}/never-run.pdf");

        // NotifyAsync waits until the host's queue has settled the event.
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(app, blobUrl));

        var outcome = Assert.Single(app.QueueOutcomes, o => EventGridWebhook.QueuedBlobOf(o) == "uploads/" + EventGridWebhook.BlobPathOf(blobUrl));
        Assert.Equal(QueueMessageResult.Completed, outcome.Result);
        Assert.Equal(0, app.Emulator.BlobTriggerInvocations);
        Assert.Contains("will not be processed: no enabled Blob trigger", app.HostLog, StringComparison.Ordinal);
    }
}
