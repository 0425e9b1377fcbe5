using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Uploads.Core.Configuration;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Testing;

namespace Uploads.Core.Tests.Signing;

public sealed class UserDelegationKeyCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<BlobServiceClient> _service = new();
    private int _calls;

    public UserDelegationKeyCacheTests()
    {
        _service
            .Setup(s => s.GetUserDelegationKeyAsync(It.IsAny<DateTimeOffset?>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((DateTimeOffset? start, DateTimeOffset expiry, CancellationToken _) =>
            {
                Interlocked.Increment(ref _calls);
                return Response.FromValue(BlobsModelFactory.UserDelegationKey("oid", "tid", start ?? _time.GetUtcNow(), expiry, "b", "2026-10-06", Convert.ToBase64String(new byte[32])), Mock.Of<Response>());
            });
    }

    private UserDelegationKeyCache CreateCache() => new(
        _service.Object, _time, Options.Create(new UploadOptions { DelegationKeyLifetime = TimeSpan.FromDays(1) }), NullLogger<UserDelegationKeyCache>.Instance);

    [Fact]
    public async Task GetAsync_ThousandCalls_OneKeyRequest()
    {
        using var cache = CreateCache();

        for (var i = 0; i < 1000; i++)
        {
            await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);
        }

        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task GetAsync_ConcurrentFirstCalls_ShareOneRequest()
    {
        using var cache = CreateCache();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None))));

        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task GetAsync_RequestsBackdatedKeyForConfiguredLifetime()
    {
        using var cache = CreateCache();

        var key = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);

        Assert.Equal(_time.GetUtcNow().AddMinutes(-5), key.SignedStartsOn);
        Assert.Equal(_time.GetUtcNow().AddDays(1), key.SignedExpiresOn);
    }

    [Fact]
    public async Task GetAsync_PastHalfLife_RefreshesInBackgroundAndKeepsServing()
    {
        using var cache = CreateCache();
        var first = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(13));
        var stillFirst = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);
        // The background refresh runs on the thread pool: wait until it has replaced the key.
        var second = await Eventually.ValueWithinAsync(
            async ct =>
            {
                var key = await cache.GetAsync(_time.GetUtcNow().AddHours(1), ct);
                return ReferenceEquals(key, first) ? null : key;
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(10)) ?? stillFirst;

        Assert.Same(first, stillFirst);
        Assert.Equal(2, _calls);
        Assert.NotSame(first, second);
        Assert.Equal(_time.GetUtcNow().AddDays(1), second.SignedExpiresOn);
    }

    [Fact]
    public async Task GetAsync_KeyWouldExpireBeforeUrl_FetchesSynchronously()
    {
        using var cache = CreateCache();
        await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(23.5));
        var key = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);

        Assert.True(key.SignedExpiresOn >= _time.GetUtcNow().AddHours(1));
    }

    [Fact]
    public async Task GetAsync_StorageFails_ErrorReachesCallerAndNextCallRetries()
    {
        using var cache = CreateCache();
        _service
            .SetupSequence(s => s.GetUserDelegationKeyAsync(It.IsAny<DateTimeOffset?>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(403, "AuthorizationPermissionMismatch"))
            .ReturnsAsync(Response.FromValue(BlobsModelFactory.UserDelegationKey("o", "t", _time.GetUtcNow(), _time.GetUtcNow().AddDays(1), "b", "v", "a2V5"), Mock.Of<Response>()));

        await Assert.ThrowsAsync<RequestFailedException>(async () => await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None));
        var key = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);

        Assert.Equal("a2V5", key.Value);
    }

    [Fact]
    public async Task GetAsync_RefreshFailingPastHalfLife_OldKeyServesWhileItCoversUrlsThenStorageUnavailable()
    {
        using var cache = CreateCache();
        var first = await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None);
        var refreshes = 0;
        _service
            .Setup(s => s.GetUserDelegationKeyAsync(It.IsAny<DateTimeOffset?>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback(() => Interlocked.Increment(ref refreshes))
            .ThrowsAsync(new RequestFailedException(503, "The server is busy.", "ServerBusy", null));

        // From the half-life (12 h) until the key no longer covers a one-hour URL (23 h), every refresh fails: URLs
        // are still signed with the old key, and the background refresh is retried once a minute, not per request.
        var steps = 0;
        for (var minute = (12 * 60) + 1; minute <= 23 * 60; minute += 7, steps++)
        {
            _time.SetUtcNow(first.SignedStartsOn.AddMinutes(5).AddMinutes(minute));
            Assert.Same(first, await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None));
        }

        await Eventually.WithinAsync(() => Volatile.Read(ref refreshes) > 0, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(10));

        Assert.InRange(Volatile.Read(ref refreshes), 1, steps);

        // Past that, a URL would outlive the key: the caller gets the storage error, which the app answers 503.
        _time.SetUtcNow(first.SignedStartsOn.AddMinutes(5).AddHours(23.5));
        var error = await Assert.ThrowsAsync<RequestFailedException>(async () => await cache.GetAsync(_time.GetUtcNow().AddHours(1), CancellationToken.None));
        Assert.True(StorageFailures.IsUnavailable(error, CancellationToken.None));
    }
}
