using System.Globalization;
using System.Net.Security;
using System.Runtime;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Uploads.DevHost;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--devhost-child</c>: the dev host (<see cref="DevHostApp.Build"/>: the app's own service registration and routes) in a
/// process of its own, configured from environment variables like the dev host, with the two things a process needs to
/// reach Azurite's <c>--oauth basic</c> HTTPS endpoint: the test token credential (<see cref="LocalJwtCredential"/>, which
/// Azure would refuse) and a transport that trusts exactly Azurite's self-signed certificate (SHA-256 pin of the PEM in
/// <c>UPLOADS_BENCH_AZURITE_CERT</c>). Everything else is the dev host as shipped. Reads commands on stdin:
/// <c>stats</c> prints one <c>GCSTATS ...</c> line (GC counters and the storage requests the app sent so far, by operation); end of input stops the host.
/// </summary>
internal static class DevHostChild
{
    public const string CertificateVariable = "UPLOADS_BENCH_AZURITE_CERT";

    public static async Task<int> RunAsync(string[] args)
    {
        var pem = Environment.GetEnvironmentVariable(CertificateVariable)
            ?? throw new InvalidOperationException($"{CertificateVariable} must name Azurite's certificate (PEM).");
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem).ConfigureAwait(false));
        var pinned = certificate.GetCertHash(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinned),
            },
        };
        using var http = new HttpClient(handler, disposeHandler: true);

        var contentRoot = args.SkipWhile(a => a != "--content-root").Skip(1).FirstOrDefault() ?? RepositoryRoot.Find();
        var requests = new RequestCounter();
        var app = DevHostApp.Build(args, contentRoot, services =>
        {
            services.AddSingleton<TokenCredential>(new LocalJwtCredential());
            services.AddSingleton(requests.AddTo(new BlobClientOptions { Transport = new HttpClientTransport(http) }));
        });

        await app.StartAsync().ConfigureAwait(false);
        Console.WriteLine("CHILD READY");
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == "stats")
            {
                Console.WriteLine("GCSTATS " + Stats() + " | storage requests: " + requests);
            }
        }

        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    private static string Stats()
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"server={GCSettings.IsServerGC} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} " +
            $"allocatedMB={GC.GetTotalAllocatedBytes() / 1e6:0.0} heapMB={info.HeapSizeBytes / 1e6:0.0} committedMB={info.TotalCommittedBytes / 1e6:0.0} " +
            $"pauseTotalMs={GC.GetTotalPauseDuration().TotalMilliseconds:0} pausePercent={info.PauseTimePercentage:0.00} lohMB={info.GenerationInfo[3].SizeAfterBytes / 1e6:0.0}");
    }
}
