using Xunit;

namespace Uploads.Testing;

/// <summary>
/// Base of the xunit fixtures: one <see cref="AzuriteInstance"/> per fixture instance, started before the first
/// test of the class (or collection) and killed after the last. Each fixture has its own port and workspace, so
/// test classes run in parallel safely.
/// </summary>
public abstract class AzuriteFixture : IAsyncLifetime
{
    private readonly AzuriteMode _mode;
    private readonly bool _withQueueService;
    private AzuriteInstance? _azurite;

    private protected AzuriteFixture(AzuriteMode mode, bool withQueueService = false)
    {
        _mode = mode;
        _withQueueService = withQueueService;
    }

    /// <summary>The running instance.</summary>
    /// <exception cref="InvalidOperationException">Used before xunit initialized the fixture.</exception>
    public AzuriteInstance Azurite => _azurite ?? throw new InvalidOperationException("The Azurite fixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _azurite = await AzuriteInstance.StartAsync(_mode, _withQueueService).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Azurite over plain HTTP with shared-key authentication (what <c>UseDevelopmentStorage=true</c> gives).</summary>
public sealed class AzuriteSharedKeyFixture() : AzuriteFixture(AzuriteMode.SharedKey);

/// <summary>
/// The same with Azurite's queue service too: what the Functions host needs as <c>AzureWebJobsStorage</c> (its
/// Blob-trigger queue), for tests that post Event Grid events to an app of their own.
/// </summary>
public sealed class AzuriteHostStorageFixture() : AzuriteFixture(AzuriteMode.SharedKey, withQueueService: true);

/// <summary>Azurite over HTTPS with <c>--oauth basic</c>: bearer tokens and user-delegation SAS work.</summary>
public sealed class AzuriteOAuthFixture() : AzuriteFixture(AzuriteMode.OAuthHttps);
