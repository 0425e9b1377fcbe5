using System.Net.Sockets;
using Azure;
using Azure.Identity;
using Uploads.Core.Storage;

namespace Uploads.Core.Tests.Storage;

/// <summary>What counts as storage failing for now (503 + Retry-After, start-up retry, left pending) and what is a bug.</summary>
public sealed class StorageFailuresTests
{
    [Theory]
    [InlineData(500, "InternalError")]
    [InlineData(503, "ServerBusy")]
    [InlineData(429, "TooManyRequests")]
    [InlineData(408, "OperationTimedOut")]
    [InlineData(0, null)]
    [InlineData(403, "AuthorizationPermissionMismatch")]
    public void IsUnavailable_StorageRefused_True(int status, string? code)
    {
        Assert.True(StorageFailures.IsUnavailable(new RequestFailedException(status, "refused", code, null), CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_ConnectionRefused_True()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:10000)", new SocketException((int)SocketError.ConnectionRefused));

        Assert.True(StorageFailures.IsUnavailable(refused, CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_ConnectionReset_True()
    {
        var reset = new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset));

        Assert.True(StorageFailures.IsUnavailable(reset, CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_Timeout_True()
    {
        Assert.True(StorageFailures.IsUnavailable(new TimeoutException("The operation has timed out."), CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_SdkNetworkTimeoutWhileCallerWaits_True()
    {
        // The SDK's NetworkTimeout cancels its own token: the caller's is not cancelled.
        var timedOut = new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:00:20.");

        Assert.True(StorageFailures.IsUnavailable(timedOut, CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_CallerCancelled_False()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(StorageFailures.IsUnavailable(new OperationCanceledException(cancelled.Token), cancelled.Token));
    }

    [Fact]
    public void IsUnavailable_StorageRefusedAfterCallerCancelled_False()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(StorageFailures.IsUnavailable(new RequestFailedException(503, "busy", "ServerBusy", null), cancelled.Token));
    }

    [Fact]
    public void IsUnavailable_NoToken_True()
    {
        Assert.True(StorageFailures.IsUnavailable(new AuthenticationFailedException("ManagedIdentityCredential authentication failed."), CancellationToken.None));
        Assert.True(StorageFailures.IsUnavailable(new CredentialUnavailableException("No managed identity endpoint found."), CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_AggregateOfStorageFailures_True()
    {
        var aggregate = new AggregateException(
            new RequestFailedException(503, "busy", "ServerBusy", null),
            new AggregateException(new IOException("reset"), new TimeoutException()));

        Assert.True(StorageFailures.IsUnavailable(aggregate, CancellationToken.None));
    }

    [Fact]
    public void IsUnavailable_AggregateWithABug_False()
    {
        var aggregate = new AggregateException(new RequestFailedException(503, "busy", "ServerBusy", null), new ArgumentException("bug"));

        Assert.False(StorageFailures.IsUnavailable(aggregate, CancellationToken.None));
    }

    [Theory]
    [InlineData(typeof(ArgumentException))]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(FormatException))]
    [InlineData(typeof(System.Text.Json.JsonException))]
    public void IsUnavailable_Bug_False(Type type)
    {
        var bug = (Exception)Activator.CreateInstance(type)!;

        Assert.False(StorageFailures.IsUnavailable(bug, CancellationToken.None));
    }
}
