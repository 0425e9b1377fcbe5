using Microsoft.Extensions.Options;
using Uploads.Sniffing;

namespace Uploads.Core.Configuration;

/// <summary>Rules across <see cref="UploadOptions"/> values that attributes cannot express.</summary>
internal sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    /// <summary>Azure's limit on an HTTP-triggered request (the load balancer's idle timeout), whatever the function timeout.</summary>
    public static readonly TimeSpan HttpRequestLimit = TimeSpan.FromSeconds(230);

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

        // The same for read URLs, which the same key signs.
        var neededForReads = (2 * options.ReadUrlLifetime) + options.ClockSkew;
        if (options.DelegationKeyLifetime < neededForReads)
        {
            return ValidateOptionsResult.Fail($"Uploads:DelegationKeyLifetime ({options.DelegationKeyLifetime}) must be at least twice Uploads:ReadUrlLifetime plus Uploads:ClockSkew ({neededForReads}).");
        }

        // A request the app answers must fail within what a client of an HTTP trigger can wait in Azure (230 s, the
        // front end's idle limit): a stalled account must give the client a 503 it can act on, not a dropped connection.
        if (options.StorageWorstCase > HttpRequestLimit)
        {
            return ValidateOptionsResult.Fail($"Uploads:StorageNetworkTimeout × (Uploads:StorageMaxRetries + 1) plus the back-off from Uploads:StorageRetryDelay ({options.StorageWorstCase.TotalSeconds:0.#} s) must not exceed {HttpRequestLimit.TotalSeconds:0} s, the longest an HTTP request can take in Azure Functions.");
        }

        if (!UploadOptions.TryParseActiveContent(options.AllowedActiveContent, out _, out var unknown))
        {
            var names = string.Join(", ", Enum.GetNames<ActiveContentKinds>().Where(n => n != nameof(ActiveContentKinds.None)));
            return ValidateOptionsResult.Fail($"Uploads:AllowedActiveContent: '{unknown}' is not an active-content category; use a comma-separated list of: {names} (empty: refuse all).");
        }

        return ValidateOptionsResult.Success;
    }
}
