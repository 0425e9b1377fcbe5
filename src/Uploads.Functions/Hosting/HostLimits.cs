namespace Uploads.Functions.Hosting;

/// <summary>What the Functions host in front of this worker accepts, and the worker's own server must not undercut.</summary>
internal static class HostLimits
{
    /// <summary>
    /// The host's request body limit, 100 MB (its default; <c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c> changes it). The
    /// host owns it: the host emulator models it (<c>EmulatorOptions.DefaultRequestBodyLimit</c>), and a test holds
    /// this copy equal to it (the app does not reference the emulator, nor the emulator the app).
    /// </summary>
    public const long RequestBodyBytes = 104_857_600;
}
