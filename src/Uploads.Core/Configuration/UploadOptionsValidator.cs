using Microsoft.Extensions.Options;
using Uploads.Sniffing;

namespace Uploads.Core.Configuration;

/// <summary>Rules across <see cref="UploadOptions"/> values that attributes cannot express.</summary>
public sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A URL never outlives its key, and the key is replaced at half its life, before any URL it signs could
        // need more: the cached key must cover two URL lifetimes (plus the backdated start).
        var needed = (2 * options.UrlLifetime) + options.ClockSkew;
        if (options.DelegationKeyLifetime < needed)
        {
            return ValidateOptionsResult.Fail($"Uploads:DelegationKeyLifetime ({options.DelegationKeyLifetime}) must be at least twice Uploads:UrlLifetime plus Uploads:ClockSkew ({needed}).");
        }

        if (!UploadOptions.TryParseActiveContent(options.AllowedActiveContent, out _, out var unknown))
        {
            var names = string.Join(", ", Enum.GetNames<ActiveContentKinds>().Where(n => n != nameof(ActiveContentKinds.None)));
            return ValidateOptionsResult.Fail($"Uploads:AllowedActiveContent: '{unknown}' is not an active-content category; use a comma-separated list of: {names} (empty: refuse all).");
        }

        return ValidateOptionsResult.Success;
    }
}
