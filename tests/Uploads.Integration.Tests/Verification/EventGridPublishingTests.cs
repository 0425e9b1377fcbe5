using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Messaging.EventGrid;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Verdict events published with the real Event Grid client to a local HTTPS receiver that plays the topic
/// (Event Grid's publish API: POST of a CloudEvents batch, bearer token of the app's identity).
/// </summary>
public sealed class EventGridPublishingTests(AzuriteOAuthFixture fixture) : IClassFixture<AzuriteOAuthFixture>, IAsyncLifetime
{
    private static readonly ApiClient Client = new("acme");
    private readonly ConcurrentQueue<(string? Authorization, string? ContentType, string Body)> _received = new();
    private readonly DirectoryInfo _certificates = Directory.CreateTempSubdirectory("uploads-eventgrid-");
    private WebApplication _receiver = null!;
    private UploadsServices _services = null!;
    private volatile int _statusCode = 200;

    public async Task InitializeAsync()
    {
        var (certificate, certificatePem, keyPem) = SelfSignedCertificate.CreatePemFiles(_certificates.FullName);
        using var serverCertificate = X509Certificate2.CreateFromPemFile(certificatePem, keyPem);
        var pfx = X509CertificateLoader.LoadPkcs12(serverCertificate.Export(X509ContentType.Pfx), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(pfx)));
        _receiver = builder.Build();
        _receiver.MapPost("/api/events", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _received.Enqueue((request.Headers.Authorization.ToString(), request.ContentType, await reader.ReadToEndAsync()));
            return Results.StatusCode(_statusCode);
        });
        await _receiver.StartAsync();
        var endpoint = new Uri(new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()), "/api/events");

        var pinned = certificate.GetCertHash(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinned),
            },
        };
        var options = new EventGridPublisherClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        options.Retry.MaxRetries = 0;
        _services = await UploadsServices.StartAsync(
            fixture.Azurite,
            new Dictionary<string, string?> { ["Verification:EventGridTopicEndpoint"] = endpoint.ToString() },
            services => services.Replace(ServiceDescriptor.Singleton(options)));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _receiver.DisposeAsync();
        _certificates.Delete(recursive: true);
    }

    private async Task<string> UploadAsync(string corpusFile, string name, string type)
    {
        var url = (await _services.Get<UploadUrlService>().IssueAsync(Client, new UploadUrlRequest(name, type, null), CancellationToken.None)).Value!;
        await new Azure.Storage.Blobs.BlobClient(url.UploadUrl, fixture.Azurite.CreateBlobClientOptions())
            .UploadAsync(new BinaryData(await File.ReadAllBytesAsync(Corpus.Get(corpusFile).Path)));
        return url.BlobPath;
    }

    private static JsonElement SingleEvent(string body)
    {
        var batch = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Array, batch.ValueKind);
        return Assert.Single(batch.EnumerateArray());
    }

    [Fact]
    public async Task VerifyAsync_Verified_PublishesOneCloudEventWithBearerToken()
    {
        var blobPath = await UploadAsync("image.png", "a.png", "image/png");

        await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);
        await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        var (authorization, contentType, body) = Assert.Single(_received);
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        Assert.StartsWith("application/cloudevents-batch+json", contentType, StringComparison.Ordinal);
        var cloudEvent = SingleEvent(body);
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal(EventGridVerdictPublisher.VerifiedType, cloudEvent.GetProperty("type").GetString());
        Assert.Equal(EventGridVerdictPublisher.Source, cloudEvent.GetProperty("source").GetString());
        Assert.Equal(blobPath, cloudEvent.GetProperty("subject").GetString());
        var data = cloudEvent.GetProperty("data");
        Assert.Equal("verified", data.GetProperty("status").GetString());
        Assert.Equal("image/png", data.GetProperty("detectedType").GetString());
        Assert.Equal(blobPath, data.GetProperty("blobPath").GetString());
    }

    [Fact]
    public async Task VerifyAsync_Rejected_PublishesRejectionWithReason()
    {
        var blobPath = await UploadAsync("document.pdf", "a.png", "image/png");

        await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        var cloudEvent = SingleEvent(Assert.Single(_received).Body);
        Assert.Equal(EventGridVerdictPublisher.RejectedType, cloudEvent.GetProperty("type").GetString());
        Assert.Equal("rejected", cloudEvent.GetProperty("data").GetProperty("status").GetString());
        Assert.Contains("application/pdf", cloudEvent.GetProperty("data").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectUpload_Stored_PublishesVerified()
    {
        var (body, type, length) = await Multipart.FileAsync("report.pdf", await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path));

        var outcome = await _services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);

        var cloudEvent = SingleEvent(Assert.Single(_received).Body);
        Assert.Equal(EventGridVerdictPublisher.VerifiedType, cloudEvent.GetProperty("type").GetString());
        Assert.Equal(outcome.Value!.BlobPath, cloudEvent.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task VerifyAsync_TopicFails_VerdictStandsAndNothingThrows()
    {
        _statusCode = 503;
        var blobPath = await UploadAsync("image.png", "a.png", "image/png");

        var result = await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Single(_received);
        Assert.Equal(UploadState.Verified, (await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None)).Status!.Status);
    }

    [Fact]
    public async Task VerifyAsync_ThousandDuplicateReorderedEventsForHundredBlobs_OneVerdictAndOneEventEach()
    {
        var accepted = new List<string>();
        var rejected = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            if (i % 10 == 9)
            {
                rejected.Add(await UploadAsync("document.pdf", $"lie-{i}.png", "image/png"));
            }
            else
            {
                accepted.Add(await UploadAsync("image.png", $"photo-{i}.png", "image/png"));
            }
        }

        // Ten BlobCreated deliveries per blob, shuffled, 32 at a time, as a burst of at-least-once deliveries reaches
        // concurrent trigger invocations of one instance; one that throws is delivered again, as Event Grid would.
        // (Without the verifier's one-check-per-path, 7 to 12 of the 90 accepted blobs were published twice: Azurite
        // ignores every condition on Set Blob Tags, so two checks could both record.)
        var deliveries = accepted.Concat(rejected).SelectMany(path => Enumerable.Repeat(path, 10)).ToArray();
        Random.Shared.Shuffle(deliveries);
        var verifier = _services.Get<UploadVerifier>();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (path, ct) =>
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await verifier.VerifyAsync(path, ct);
                    return;
                }
                catch (Exception ex) when (attempt < 5 && ex is Azure.RequestFailedException or InvalidOperationException)
                {
                    // Delivered again.
                }
            }
        });

        var events = _received.SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray().Select(e => (Subject: e.GetProperty("subject").GetString()!, Type: e.GetProperty("type").GetString()!))).ToList();
        Assert.True(events.Count == 100, "published more than once: " + string.Join(", ", events.GroupBy(e => e).Where(g => g.Count() > 1).Select(g => $"{g.Key.Type} {g.Key.Subject} x{g.Count()}")));
        Assert.Equal(accepted.Order(StringComparer.Ordinal), events.Where(e => e.Type == EventGridVerdictPublisher.VerifiedType).Select(e => e.Subject).Order(StringComparer.Ordinal));
        Assert.Equal(rejected.Order(StringComparer.Ordinal), events.Where(e => e.Type == EventGridVerdictPublisher.RejectedType).Select(e => e.Subject).Order(StringComparer.Ordinal));
        var service = fixture.Azurite.CreateServiceClient();
        foreach (var path in accepted)
        {
            var blob = service.GetBlobContainerClient("uploads").GetBlobClient(path);
            Assert.True(VerdictTags.IsVerifiedFor((await blob.GetTagsAsync()).Value.Tags, (await blob.GetPropertiesAsync()).Value.ETag), path);
        }

        var quarantined = new List<string>();
        await foreach (var item in service.GetBlobContainerClient("quarantine").GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, Client.Id + "/", CancellationToken.None))
        {
            quarantined.Add(item.Name);
        }

        Assert.Equal(rejected.Order(StringComparer.Ordinal), quarantined.Where(n => rejected.Any(r => n.StartsWith(r, StringComparison.Ordinal))).Order(StringComparer.Ordinal));
        foreach (var path in rejected)
        {
            Assert.False((await service.GetBlobContainerClient("uploads").GetBlobClient(path).ExistsAsync()).Value, path);
        }
    }
}
