namespace Uploads.HostEmulator;

/// <summary>The worker did not connect, initialise or load its functions.</summary>
public sealed class WorkerStartException : Exception
{
    public WorkerStartException() { }

    public WorkerStartException(string message) : base(message) { }

    public WorkerStartException(string message, Exception innerException) : base(message, innerException) { }
}
