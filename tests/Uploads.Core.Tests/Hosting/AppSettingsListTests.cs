using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Hosting;
using Uploads.Core.Storage;
using Uploads.Testing;

namespace Uploads.Core.Tests.Hosting;

/// <summary>
/// <see cref="AppSettings"/> lists every setting the code reads, and nothing else: the names are derived from the
/// options types the service registration binds from configuration, so a new option cannot be left out of the list
/// (which the Bicep template is held to) or out of README's settings table.
/// </summary>
public sealed class AppSettingsListTests
{
    /// <summary>
    /// Settings read outside the bound options types: the uploads storage connection, read by
    /// <c>UploadStorageClientFactory</c> and by the Functions host for the Blob trigger's <c>Connection</c>
    /// (<c>queueServiceUri</c> only by the host). Nothing else belongs here.
    /// </summary>
    private static readonly string[] ConnectionSettings =
    [
        UploadStorageConnection.Name,
        $"{UploadStorageConnection.Name}__serviceUri",
        $"{UploadStorageConnection.Name}__blobServiceUri",
        $"{UploadStorageConnection.Name}__queueServiceUri",
        $"{UploadStorageConnection.Name}__credential",
        $"{UploadStorageConnection.Name}__clientId",
    ];

    /// <summary>The options types bound from configuration by <see cref="UploadsServiceCollectionExtensions.AddUploadsCore"/>.</summary>
    private static List<Type> BoundOptionsTypes()
    {
        var services = new ServiceCollection();
        services.AddUploadsCore(new ConfigurationBuilder().Build());

        // Bind(section) registers one IOptionsChangeTokenSource<T> per bound options type.
        return services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Distinct()
            .ToList();
    }

    /// <summary><c>Section__Property</c> for every public settable property; a dictionary gives a prefix <c>Section__Property__</c>.</summary>
    private static (List<string> Names, List<string> Prefixes) BoundSettings()
    {
        var names = new List<string>();
        var prefixes = new List<string>();
        foreach (var type in BoundOptionsTypes())
        {
            var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
            Assert.False(string.IsNullOrEmpty(section), $"{type.Name} is bound from configuration but has no public const SectionName.");

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (typeof(IDictionary).IsAssignableFrom(property.PropertyType))
                {
                    prefixes.Add($"{section}__{property.Name}__");
                }
                else if (property.SetMethod is { IsPublic: true })
                {
                    names.Add($"{section}__{property.Name}");
                }
            }
        }

        return (names, prefixes);
    }

    [Fact]
    public void BoundOptionsTypes_Registration_FindsTheFourSections()
    {
        // The derivation below is only as good as this discovery: it must see the types the registration binds.
        var types = BoundOptionsTypes().Select(t => t.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["ApiKeyOptions", "MalwareScanOptions", "UploadOptions", "VerificationOptions"], types);
    }

    [Fact]
    public void Fixed_EverySettingTheOptionsRead_IsListed()
    {
        var (names, prefixes) = BoundSettings();

        var missing = names.Where(n => !AppSettings.Fixed.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"Settings the options read are missing from Uploads.Core.Hosting.AppSettings.Fixed: {string.Join(", ", missing)}");
        var missingPrefixes = prefixes.Where(p => !AppSettings.Prefixes.Contains(p)).ToList();
        Assert.True(missingPrefixes.Count == 0, $"Setting prefixes the options read are missing from AppSettings.Prefixes: {string.Join(", ", missingPrefixes)}");
    }

    [Fact]
    public void Fixed_EveryListedSetting_IsReadByAnOptionOrIsTheStorageConnection()
    {
        var (names, prefixes) = BoundSettings();

        var unread = AppSettings.Fixed.Where(s => !names.Contains(s) && !ConnectionSettings.Contains(s)).ToList();
        Assert.True(unread.Count == 0, $"AppSettings.Fixed lists settings nothing reads: {string.Join(", ", unread)}");
        Assert.Equal(prefixes.Order(StringComparer.Ordinal), AppSettings.Prefixes.Order(StringComparer.Ordinal));
        Assert.All(AppSettings.RequiredInAzure, s => Assert.Contains(s, AppSettings.Fixed));
    }

    [Fact]
    public void Readme_ConfigurationTable_NamesEveryListedSetting()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "README.md"));
        var start = readme.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no \"## Configuration\" section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];

        var missing = AppSettings.Fixed.Select(s => $"`{s}`").Concat(AppSettings.Prefixes.Select(p => $"`{p}"))
            .Where(s => !section.Contains(s, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"README's settings table (## Configuration) does not name: {string.Join(", ", missing)}");
    }
}
