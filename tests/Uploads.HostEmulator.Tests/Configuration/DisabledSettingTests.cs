using Uploads.HostEmulator.Configuration;

namespace Uploads.HostEmulator.Tests.Configuration;

/// <summary><c>AzureWebJobs.&lt;name&gt;.Disabled</c>, read as the host reads it: <c>true</c> (any case) or <c>1</c>, in either spelling of the name.</summary>
public sealed class DisabledSettingTests
{
    [Theory]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "true", true)]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "TRUE", true)]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "1", true)]
    [InlineData("AzureWebJobs__Fn_DisabledSettingTests__Disabled", "true", true)]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "false", false)]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "0", false)]
    [InlineData("AzureWebJobs.Fn_DisabledSettingTests.Disabled", "yes", false)]
    [InlineData("AzureWebJobs.Other_DisabledSettingTests.Disabled", "true", false)]
    public void IsDisabled_Setting_AsTheHostReadsIt(string name, string value, bool disabled)
    {
        var settings = new AppSettingResolver(new Dictionary<string, string>(StringComparer.Ordinal) { [name] = value });

        Assert.Equal(disabled, DisabledSetting.IsDisabled(settings, "Fn_DisabledSettingTests"));
    }

    [Fact]
    public void IsDisabled_NotSet_Enabled()
    {
        var settings = new AppSettingResolver(new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.False(DisabledSetting.IsDisabled(settings, "Fn_DisabledSettingTests"));
    }
}
