using Microsoft.Extensions.Options;

namespace Uploads.Core.Hosting;

/// <summary>Rules across <see cref="UploadOptions"/> values that attributes cannot express.</summary>
public sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A URL never outlives its key, and the key is replaced at half its life, before any URL it signs could
        // need more: the cached key must cover two URL lifetimes (plus the backdated start).
        var needed = (2 * options.UrlLifetime) + options.ClockSkew;
        return options.DelegationKeyLifetime < needed
            ? ValidateOptionsResult.Fail($"Uploads:DelegationKeyLifetime ({options.DelegationKeyLifetime}) must be at least twice Uploads:UrlLifetime plus Uploads:ClockSkew ({needed}).")
            : ValidateOptionsResult.Success;
    }
}
