namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>The browser test classes share one <see cref="BrowserSampleHost"/> (worker, Azurite, sample) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserSampleGroup : ICollectionFixture<BrowserSampleHost>
{
    public const string Name = "Browser sample";
}
