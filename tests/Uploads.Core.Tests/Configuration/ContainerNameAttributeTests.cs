using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Uploads.Core.Configuration;

namespace Uploads.Core.Tests.Configuration;

/// <summary>The container-name rule is written once (<see cref="ContainerNameAttribute"/>) and every setting that names a container uses it.</summary>
public sealed class ContainerNameAttributeTests
{
    /// <summary>Every options type of Core (its <c>SectionName</c> names the configuration section).</summary>
    private static IEnumerable<Type> OptionsTypes() =>
        typeof(UploadOptions).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(UploadOptions).Namespace && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .Where(t => t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is not null);

    private static IEnumerable<PropertyInfo> ContainerNameProperties() =>
        OptionsTypes().SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("ContainerName", StringComparison.Ordinal));

    private static string Setting(PropertyInfo property) =>
        $"{property.DeclaringType!.GetField("SectionName")!.GetValue(null)}:{property.Name}";

    public static TheoryData<string, string> ContainerSettings()
    {
        var data = new TheoryData<string, string>();
        foreach (var property in ContainerNameProperties())
        {
            data.Add(property.DeclaringType!.Name, property.Name);
        }

        return data;
    }

    [Fact]
    public void OptionsTypes_SettingsNamingContainers_AreFoundInEachSection()
    {
        // The rule's reach: the containers of uploads, quarantine, dead letters and scan results. A type or property
        // renamed out of the pattern the other tests search for would otherwise make them pass on nothing.
        Assert.Equal(
            ["MalwareScanning:ResultsContainerName", "Uploads:ContainerName", "Uploads:QuarantineContainerName", "Verification:DeadLetterContainerName"],
            ContainerNameProperties().Select(Setting).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ContainerSettings))]
    public void Property_NamingAContainer_CarriesTheOneRuleNamingItsSetting(string type, string name)
    {
        var property = ContainerNameProperties().Single(p => p.DeclaringType!.Name == type && p.Name == name);

        var attribute = property.GetCustomAttribute<ContainerNameAttribute>();

        Assert.NotNull(attribute);
        Assert.Equal(Setting(property), attribute.Setting);
        Assert.DoesNotContain(property.GetCustomAttributes<RegularExpressionAttribute>(), a => a is not ContainerNameAttribute);
    }

    [Theory]
    [MemberData(nameof(ContainerSettings))]
    public void Validate_BadContainerName_FailsNamingTheSetting(string type, string name)
    {
        var property = ContainerNameProperties().Single(p => p.DeclaringType!.Name == type && p.Name == name);
        var options = Activator.CreateInstance(property.DeclaringType!)!;
        property.SetValue(options, "Bad--Name");
        var results = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        var result = Assert.Single(results);
        Assert.Equal($"{Setting(property)} must be a valid blob container name.", result.ErrorMessage);
        Assert.Equal([name], result.MemberNames);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("uploads")]
    [InlineData("malware-scans")]
    [InlineData("a1-b2-c3")]
    [InlineData("000")]
    public void IsValid_ContainerName_Passes(string value)
    {
        Assert.True(new ContainerNameAttribute("X:Y").IsValid(value));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Uploads")]
    [InlineData("up_loads")]
    [InlineData("up--loads")]
    [InlineData("-uploads")]
    [InlineData("uploads-")]
    [InlineData("up loads")]
    [InlineData("uploads\n")]
    public void IsValid_NotAContainerName_Fails(string value)
    {
        Assert.False(new ContainerNameAttribute("X:Y").IsValid(value));
    }

    [Fact]
    public void IsValid_Length_Between3And63()
    {
        var attribute = new ContainerNameAttribute("X:Y");

        Assert.True(attribute.IsValid(new string('a', 63)));
        Assert.False(attribute.IsValid(new string('a', 64)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void IsValid_Unset_PassesLeavingItToRequired(string? value)
    {
        Assert.True(new ContainerNameAttribute("X:Y").IsValid(value));
    }
}
