using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Core.Security;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Reliability;

/// <summary>
/// A host too busy to send the InvocationRequest in time (what a CPU-starved instance does): the request of a direct
/// upload reaches the built worker, but its InvocationRequest is held back 7 s by the emulator's
/// <c>BeforeHttpInvocation</c> hook. The worker's ASP.NET Core integration waits 5 s for it, then fails the request;
/// when the InvocationRequest finally arrives it waits 15 s for a request that already ended and reports the
/// invocation failed. Only then does the host answer, as the Functions host does: its own empty 500, not a
/// problem+json of the app. Nothing is stored, and the same request sent again is stored once. About 25 s, most of it the worker's own 15 s wait.
/// </summary>
public sealed class LateInvocationTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string DirectRoute = "/" + HttpRoutes.DirectPath;
    private static readonly TimeSpan HeldBack = TimeSpan.FromSeconds(7);

    [Fact]
    public async Task DirectUpload_InvocationRequestLaterThanTheWorkerWaits_EmptyBody500NothingStoredRetryStoresOnce()
    {
        const string clientId = ApiHost.ClientId;
        var holdNext = 1;
        var app = await FunctionsApp.StartAsync(
            host.Azurite,
            new Dictionary<string, string?> { [$"ApiKeys__Clients__{clientId}"] = ApiKeyMinter.HashOf(host.ApiKey) },
            beforeHttpInvocation: (function, cancellationToken) =>
                function == "DirectUpload" && Interlocked.Exchange(ref holdNext, 0) == 1 ? Task.Delay(HeldBack, cancellationToken) : Task.CompletedTask);
        try
        {
            using var api = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            api.DefaultRequestHeaders.Add("X-API-Key", host.ApiKey);
            var file = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("document.pdf"));

            var watch = Stopwatch.StartNew();
            using (var failed = await api.PostAsync(DirectRoute, Form(file)))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
                Assert.Empty(await failed.Content.ReadAsByteArrayAsync());
                Assert.Null(failed.Content.Headers.ContentType);
            }

            // The worker failed the request after its 5 s; the host answers once the invocation, sent late, has
            // failed too: 15 s later, when the worker stops waiting for a request that already ended.
            Assert.True(watch.Elapsed >= HeldBack + TimeSpan.FromSeconds(14), $"answered after {watch.Elapsed}");
            Assert.True(
                await LoggedWithinAsync(app, "Timed out waiting for the function context to be set", TimeSpan.FromSeconds(5)),
                $"The worker's pairing timeout is not in the log: {app.HostLog}");
            Assert.True(
                await LoggedWithinAsync(app, "Timed out waiting for the function start call", TimeSpan.FromSeconds(5)),
                $"The late invocation did not fail: {app.HostLog}");
            Assert.Contains("Executed 'Functions.DirectUpload' (Failed, Id=", app.HostLog, StringComparison.Ordinal);
            Assert.Empty(await host.StoredAsync(clientId + "/"));

            using (var retried = await api.PostAsync(DirectRoute, Form(file)))
            {
                Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
                var blobPath = (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString();
                Assert.Equal([(blobPath!, (long)file.Length)], await host.StoredAsync(clientId + "/"));
            }
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static MultipartFormDataContent Form(byte[] file) => new() { { new ByteArrayContent(file), "file", "late.pdf" } };

    private static Task<bool> LoggedWithinAsync(FunctionsApp app, string text, TimeSpan bound) =>
        Eventually.WithinAsync(() => app.HostLog.Contains(text, StringComparison.Ordinal) || app.WorkerLogs.Any(entry => (entry.Message + entry.Exception).Contains(text, StringComparison.Ordinal)), bound);
}
