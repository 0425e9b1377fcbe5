using BenchmarkDotNet.Attributes;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// Upload-URL issuance in-process: <see cref="UploadUrlService.IssueAsync"/> (validation, blob naming, signing) with the
/// app's own services against a real Azurite. <see cref="AzuriteMode.OAuthHttps"/> is the production path (user-delegation
/// SAS signed with the cached key); <see cref="AzuriteMode.SharedKey"/> is the account-key signer used locally.
/// The key is fetched at start-up (GlobalSetup), so a measured call makes no storage request: GlobalCleanup prints the
/// storage requests and tokens counted while the benchmark ran, which must be zero.
/// </summary>
[MemoryDiagnoser]
public class UrlIssuanceBenchmarks
{
    private static readonly ApiClient Client = new("acme");
    private static readonly UploadUrlRequest Request = new("quarterly report.pdf", "application/pdf", 123_456);

    private AzuriteInstance? _azurite;
    private UploadsServices? _services;
    private UploadUrlService? _urls;
    private int _requestsAfterSetup;
    private int _tokensAfterSetup;

    [Params(AzuriteMode.OAuthHttps, AzuriteMode.SharedKey)]
    public AzuriteMode Mode { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _azurite = await AzuriteInstance.StartAsync(Mode).ConfigureAwait(false);
        _services = await UploadsServices.StartAsync(_azurite).ConfigureAwait(false);
        _urls = _services.Get<UploadUrlService>();
        var first = await _urls.IssueAsync(Client, Request, CancellationToken.None).ConfigureAwait(false);
        if (first.Problem is { } problem)
        {
            throw new InvalidOperationException($"IssueAsync refused the benchmark request: {problem.Detail}");
        }

        _requestsAfterSetup = _services.Requests.Total;
        _tokensAfterSetup = _azurite.Credential.TokensIssued;
        Console.WriteLine($"// setup ({Mode}): storage requests {_services.Requests}; tokens {_tokensAfterSetup}");
    }

    [Benchmark]
    public ValueTask<Outcome<UploadUrlResponse>> IssueUrl() => _urls!.IssueAsync(Client, Request, CancellationToken.None);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_services is not null)
        {
            Console.WriteLine(
                $"// cleanup ({Mode}): storage requests during the benchmark {_services.Requests.Total - _requestsAfterSetup}, " +
                $"tokens {(_azurite?.Credential.TokensIssued ?? 0) - _tokensAfterSetup}");
            await _services.DisposeAsync().ConfigureAwait(false);
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}
