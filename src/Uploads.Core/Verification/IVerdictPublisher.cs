using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>Announces each verdict the moment it is reached, so that a submission service can react.</summary>
public interface IVerdictPublisher
{
    Task PublishAsync(UploadStatus verdict, CancellationToken cancellationToken);
}

/// <summary>Used when no Event Grid topic is configured: verdicts are only recorded on the blobs.</summary>
internal sealed class NoVerdictPublisher : IVerdictPublisher
{
    public Task PublishAsync(UploadStatus verdict, CancellationToken cancellationToken) => Task.CompletedTask;
}
