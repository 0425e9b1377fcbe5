using Uploads.Functions.Hosting;
using Uploads.HostEmulator.Configuration;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// The host's 100 MB request body limit has one owner, the host (modelled by the emulator's options); the worker's
/// own server copies it because the app and the emulator share no assembly. This holds the copy to the owner.
/// </summary>
public sealed class HostLimitsTests
{
    [Fact]
    public void WorkerRequestBodyLimit_Always_TheHostsLimitAsTheEmulatorModelsIt() =>
        Assert.Equal(EmulatorOptions.DefaultRequestBodyLimit, HostLimits.RequestBodyBytes);
}
