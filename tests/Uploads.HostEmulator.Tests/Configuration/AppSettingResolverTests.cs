using Uploads.HostEmulator.Configuration;

namespace Uploads.HostEmulator.Tests.Configuration;

/// <summary><c>%Name%</c> in binding expressions, resolved against the app settings as the host's name resolver does.</summary>
public sealed class AppSettingResolverTests
{
    [Theory]
    [InlineData("%Uploads:ContainerName%/{name}", "uploads/{name}")]
    [InlineData("%Schedule%", "0 0 * * * *")]
    [InlineData("no placeholder", "no placeholder")]
    public void Resolve_Expression_SettingsSubstituted(string expression, string expected)
    {
        var resolver = new AppSettingResolver(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Uploads__ContainerName"] = "uploads",
            ["Schedule"] = "0 0 * * * *",
        });

        Assert.Equal(expected, resolver.Resolve(expression));
    }

    [Fact]
    public void Resolve_SettingNotSet_ErrorNamesTheSetting()
    {
        var resolver = new AppSettingResolver(new Dictionary<string, string>(StringComparer.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve("%Uploads_NoSuchSetting_ForTests%"));

        Assert.Contains("'Uploads_NoSuchSetting_ForTests', which is not set", error.Message, StringComparison.Ordinal);
    }
}
