using System.ComponentModel.DataAnnotations;

namespace Uploads.Core.Configuration;

/// <summary>
/// The one rule for a setting that names a blob container (Azure's: 3-63 characters, lower-case letters, digits and
/// single hyphens, starting and ending with a letter or digit), and its message. Unset (null or empty) passes, as for
/// any <see cref="RegularExpressionAttribute"/>; mark a required name <see cref="RequiredAttribute"/> too.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class ContainerNameAttribute : RegularExpressionAttribute
{
    /// <summary>Azure's container-name rule.</summary>
    public const string Rule = "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$";

    /// <param name="setting">The setting as an operator writes it (<c>Uploads:ContainerName</c>), named by the message.</param>
    public ContainerNameAttribute(string setting)
        : base(Rule)
    {
        Setting = setting;
        ErrorMessage = $"{setting} must be a valid blob container name.";
    }

    /// <summary>The setting the message names.</summary>
    public string Setting { get; }
}
