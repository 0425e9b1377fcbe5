using Uploads.Core.Configuration;
using Uploads.Core.Security;

namespace Uploads.Core.Tests.Security;

public sealed class ApiKeyOptionsValidatorTests
{
    private static readonly string Hash = new('a', 64);

    [Fact]
    public void Validate_WellFormedClients_Succeeds()
    {
        var options = new ApiKeyOptions { Clients = { ["acme"] = Hash, ["beta_2"] = new string('B', 64) } };

        Assert.True(new ApiKeyOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Acme")]
    [InlineData("-acme")]
    [InlineData("ac/me")]
    [InlineData("ac me")]
    [InlineData("acme-corp")] // '-' cannot be part of an app-setting name on Linux
    [InlineData("a__b")]      // '__' separates configuration sections
    public void Validate_BadClientId_FailsNamingIt(string clientId)
    {
        var result = new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Clients = { [clientId] = Hash } });

        Assert.True(result.Failed);
        Assert.Contains(clientId, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("upk_plaintextkeyplaintextkeyplaintextkeyplaintex")]
    [InlineData("abc")]
    [InlineData("")]
    public void Validate_ValueNotASha256Hash_Fails(string value)
    {
        var result = new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Clients = { ["acme"] = value } });

        Assert.True(result.Failed);
        Assert.Contains("SHA-256", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SharedHash_Fails()
    {
        var result = new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Clients = { ["a"] = Hash, ["b"] = Hash } });

        Assert.True(result.Failed);
    }
}
