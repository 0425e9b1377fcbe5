using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Hosting;
using Uploads.Core.Verification;
using Uploads.Sniffing;

namespace Uploads.Core.Tests.Hosting;

/// <summary>Bad configuration stops the host at start-up with a message naming the setting.</summary>
public sealed class StartupValidationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?> { ["UploadStorage"] = "UseDevelopmentStorage=true" };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var services = new ServiceCollection().AddLogging();
        services.AddUploadsCore(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return services.BuildServiceProvider();
    }

    [Fact]
    public void ValidateUploadsConfiguration_GoodConfiguration_Passes()
    {
        using var provider = Build(new() { ["ApiKeys:Clients:acme"] = new string('a', 64) });

        provider.ValidateUploadsConfiguration();
    }

    [Theory]
    [InlineData("Uploads:ContainerName", "Uploads_Bad", "ContainerName")]
    [InlineData("Uploads:UrlLifetime", "2.00:00:00", "UrlLifetime")]
    [InlineData("Uploads:ReadUrlLifetime", "2.00:00:00", "ReadUrlLifetime")]
    [InlineData("Uploads:ReadUrlLifetime", "00:00:00", "ReadUrlLifetime")]
    [InlineData("Uploads:DirectUploadMaxBytes", "0", "DirectUploadMaxBytes")]
    [InlineData("Uploads:DelegationKeyLifetime", "8.00:00:00", "DelegationKeyLifetime")]
    [InlineData("Uploads:AllowedActiveContent", "PdfFormScripts,Macros", "'Macros' is not an active-content category")]
    [InlineData("Uploads:AllowedActiveContent", "3", "'3' is not an active-content category")]
    [InlineData("Uploads:StorageNetworkTimeout", "00:10:00", "StorageNetworkTimeout")]
    [InlineData("Uploads:StorageNetworkTimeout", "00:01:00", "must not exceed 230 s")]
    [InlineData("Uploads:StorageMaxRetries", "11", "StorageMaxRetries")]
    [InlineData("Uploads:StorageRetryDelay", "00:02:00", "StorageRetryDelay")]
    [InlineData("Verification:ReconcileSchedule", "every 5 minutes", "ReconcileSchedule")]
    [InlineData("Verification:ReconcileGracePeriod", "2.00:00:00", "ReconcileGracePeriod")]
    [InlineData("Verification:ReconcileConcurrency", "0", "ReconcileConcurrency")]
    [InlineData("Verification:RequestWait", "00:01:00", "RequestWait")]
    [InlineData("Verification:RequestWait", "-00:00:01", "RequestWait")]
    [InlineData("Verification:MaxConcurrentChecks", "0", "MaxConcurrentChecks")]
    [InlineData("Verification:MaxConcurrentChecks", "257", "MaxConcurrentChecks")]
    [InlineData("Verification:DeadLetterContainerName", "Dead_Letters", "DeadLetterContainerName")]
    [InlineData("Verification:ComputeSha256", "sometimes", "Verification:ComputeSha256 must be \"declared\"")]
    [InlineData("ApiKeys:Clients:acme", "plaintext-key", "SHA-256")]
    [InlineData("ApiKeys:Clients:ACME", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ACME")]
    public void ValidateUploadsConfiguration_BadSetting_ThrowsNamingIt(string key, string value, string named)
    {
        using var provider = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(provider.ValidateUploadsConfiguration);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", ActiveContentKinds.None)]
    [InlineData("PdfFormScripts", ActiveContentKinds.PdfFormScripts)]
    [InlineData(" pdfformscripts , SvgExternalReferences ", ActiveContentKinds.PdfFormScripts | ActiveContentKinds.SvgExternalReferences)]
    public void ValidateUploadsConfiguration_AllowedActiveContent_BoundAsCategories(string value, ActiveContentKinds expected)
    {
        using var provider = Build(new() { ["Uploads:AllowedActiveContent"] = value });

        provider.ValidateUploadsConfiguration();

        Assert.Equal(expected, provider.GetRequiredService<IOptions<UploadOptions>>().Value.AllowedActiveContentKinds);
    }

    [Fact]
    public void AddUploadsCore_StorageRetrySettings_ReachTheStorageClient()
    {
        using var configured = Build(new() { ["Uploads:StorageNetworkTimeout"] = "00:00:03", ["Uploads:StorageMaxRetries"] = "1", ["Uploads:StorageRetryDelay"] = "00:00:00.200" });
        using var defaults = Build([]);

        var retry = configured.GetRequiredService<BlobClientOptions>().Retry;
        var production = defaults.GetRequiredService<BlobClientOptions>().Retry;

        Assert.Equal((TimeSpan.FromSeconds(3), 1, TimeSpan.FromMilliseconds(200)), (retry.NetworkTimeout, retry.MaxRetries, retry.Delay));
        Assert.Equal((TimeSpan.FromSeconds(20), 3, TimeSpan.FromSeconds(0.8), RetryMode.Exponential), (production.NetworkTimeout, production.MaxRetries, production.Delay, production.Mode));
        Assert.True(defaults.GetRequiredService<IOptions<UploadOptions>>().Value.StorageWorstCase < UploadOptionsValidator.HttpRequestLimit);
    }

    [Fact]
    public void AddUploadsCore_CheckSettings_DefaultsAndOneSchedulerForTheVerifier()
    {
        using var configured = Build(new() { ["Verification:RequestWait"] = "00:00:00.500", ["Verification:MaxConcurrentChecks"] = "3" });
        using var defaults = Build([]);

        var options = configured.GetRequiredService<IOptions<VerificationOptions>>().Value;
        var production = defaults.GetRequiredService<IOptions<VerificationOptions>>().Value;

        Assert.Equal((TimeSpan.FromMilliseconds(500), 3), (options.RequestWait, options.MaxConcurrentChecks));
        Assert.Equal((TimeSpan.FromSeconds(2), Math.Max(2, Environment.ProcessorCount)), (production.RequestWait, production.MaxConcurrentChecks));
        Assert.Equal(3, configured.GetRequiredService<CheckScheduler>().Slots);
        Assert.Same(configured.GetRequiredService<UploadVerifier>(), configured.GetRequiredService<UploadVerifier>());
    }

    [Fact]
    public void ValidateUploadsConfiguration_ScanningOnWithDefaultLeaseAndStorageSettings_Passes()
    {
        using var provider = Build(new() { ["MalwareScanning:Enabled"] = "true" });

        provider.ValidateUploadsConfiguration();
    }

    [Fact]
    public void ValidateUploadsConfiguration_ClaimLeaseBelowFourStorageWorstCases_ThrowsNamingTheSettingsAndTheMinimum()
    {
        // Default storage settings: 4 × 86.72 s + 1 minute = 406.88 s.
        using var provider = Build(new() { ["MalwareScanning:Enabled"] = "true", ["MalwareScanning:ClaimLease"] = "00:06:46" });

        var error = Assert.Throws<OptionsValidationException>(provider.ValidateUploadsConfiguration);

        Assert.Contains("MalwareScanning:ClaimLease (00:06:46) must be at least 00:06:47", error.Message, StringComparison.Ordinal);
        Assert.Contains("Uploads:StorageNetworkTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateUploadsConfiguration_ClaimLeaseAtTheMinimum_Passes()
    {
        using var provider = Build(new() { ["MalwareScanning:Enabled"] = "true", ["MalwareScanning:ClaimLease"] = "00:06:47" });

        provider.ValidateUploadsConfiguration();
    }

    [Fact]
    public void ValidateUploadsConfiguration_ClaimLeaseWithShorterStorageSettings_MinimumFollowsThem()
    {
        // 5 s × 3 tries + 0.96 s + 1.92 s back-off = 17.88 s; × 4 + 1 minute = 131.52 s.
        using var provider = Build(new() { ["MalwareScanning:Enabled"] = "true", ["MalwareScanning:ClaimLease"] = "00:02:11", ["Uploads:StorageNetworkTimeout"] = "00:00:05", ["Uploads:StorageMaxRetries"] = "2" });

        var error = Assert.Throws<OptionsValidationException>(provider.ValidateUploadsConfiguration);

        Assert.Contains("must be at least 00:02:12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateUploadsConfiguration_NoStorageConnection_ThrowsNamingTheSettings()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddUploadsCore(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(provider.ValidateUploadsConfiguration);

        Assert.Contains("UploadStorage__blobServiceUri", error.Message, StringComparison.Ordinal);
    }
}

public sealed class UploadOptionsValidatorTests
{
    [Theory]
    [InlineData("01:00:00", "1.00:00:00", true)]
    [InlineData("01:00:00", "02:05:00", true)]
    [InlineData("01:00:00", "02:00:00", false)]
    [InlineData("12:00:00", "1.00:00:00", false)]
    public void Validate_KeyLifetimeAgainstUrlLifetime(string urlLifetime, string keyLifetime, bool valid)
    {
        var options = new UploadOptions { UrlLifetime = TimeSpan.Parse(urlLifetime, System.Globalization.CultureInfo.InvariantCulture), DelegationKeyLifetime = TimeSpan.Parse(keyLifetime, System.Globalization.CultureInfo.InvariantCulture) };

        Assert.Equal(valid, new UploadOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("00:15:00", "1.00:00:00", true)]
    [InlineData("12:00:00", "1.00:05:00", true)]
    [InlineData("12:00:00", "1.00:00:00", false)]
    public void Validate_KeyLifetimeAgainstReadUrlLifetime(string readUrlLifetime, string keyLifetime, bool valid)
    {
        var options = new UploadOptions { ReadUrlLifetime = TimeSpan.Parse(readUrlLifetime, System.Globalization.CultureInfo.InvariantCulture), DelegationKeyLifetime = TimeSpan.Parse(keyLifetime, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new UploadOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.True(valid || result.FailureMessage!.Contains("ReadUrlLifetime", StringComparison.Ordinal), result.FailureMessage);
    }
}
