using System.Net;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// <c>AzureWebJobs.&lt;name&gt;.Disabled</c> for every kind of trigger, as the host honours it ("Disable functions in
/// Azure Functions"; the host's <c>FunctionInvocationMiddleware</c>): the function is still loaded, but an HTTP function
/// answers an empty 404 (the host runs it only for the master key, which the emulator has not), a timer is not
/// scheduled, and a Blob trigger's events are queued but not run (the host starts no listener for it). The enabled
/// paths are pinned by the endpoint, webhook and timer tests.
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
    public async Task Notify_OnlyBlobTriggerDisabled_EventAcceptedAndLeftInTheQueueUnrun()
    {
        await using var app = await FunctionsApp.StartAsync(fixture.Azurite, Disabled);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var blobName = $"{Guid.NewGuid():N}/never-run.pdf";
        var blobUrl = new Uri($"{fixture.Azurite.BlobServiceUri.AbsoluteUri.TrimEnd('/')}/uploads/{blobName}");

        using var response = await http.PostAsync(EventGridWebhook.Path, EventGridWebhook.Events(EventGridWebhook.BlobCreated(blobUrl), "Notification"));

        // As the host's Blobs extension: the webhook still writes the event to the host's queue (and answers 202), but
        // with no enabled Blob trigger no listener reads that queue: the event waits there until one is enabled.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queueName = app.Emulator.BlobTriggerQueueName!;
        Assert.DoesNotContain($"Listening to queue '{queueName}'", app.HostLog, StringComparison.Ordinal);
        var waiting = (await fixture.Azurite.CreateQueueServiceClient().GetQueueClient(queueName).PeekMessagesAsync(32)).Value;
        Assert.Contains(waiting, m => m.Body.ToString().Contains(blobName, StringComparison.Ordinal));
        Assert.Equal(0, app.Emulator.BlobTriggerInvocations);
        Assert.Empty(app.QueueOutcomes);
    }
}
