namespace Uploads.Core.Verification;

/// <summary>Post-upload verification. Bound from the <c>Verification</c> section.</summary>
public sealed class VerificationOptions
{
    public const string SectionName = "Verification";

    /// <summary>
    /// Event Grid custom topic endpoint that receives one event per verdict; unset, no events are published.
    /// Authenticated with the app's identity (role <c>EventGrid Data Sender</c>), never with a topic key.
    /// </summary>
    public Uri? EventGridTopicEndpoint { get; set; }
}
