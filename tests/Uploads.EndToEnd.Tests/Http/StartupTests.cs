using Microsoft.Extensions.Options;
using Uploads.DevHost;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>The host does not start on bad configuration, and says which setting is wrong.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Uploads:ContainerName", "Not_A_Container", "ContainerName")]
    [InlineData("ApiKeys:Clients:acme", "upk_a-plaintext-key-instead-of-its-hash", "SHA-256")]
    [InlineData("Uploads:UrlLifetime", "3.00:00:00", "UrlLifetime")]
    public void Build_BadSetting_HostDoesNotStart(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["UploadStorage"] = "UseDevelopmentStorage=true",
            [key] = value,
        };

        var error = Assert.Throws<OptionsValidationException>(() => DevHostApp.Build([], RepositoryRoot.Find(), settings: settings));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
