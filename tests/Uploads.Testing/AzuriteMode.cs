namespace Uploads.Testing;

/// <summary>How an <see cref="AzuriteInstance"/> is started.</summary>
public enum AzuriteMode
{
    /// <summary>
    /// Plain HTTP, shared-key (account key) authentication only: what <c>UseDevelopmentStorage=true</c> gives.
    /// </summary>
    SharedKey,

    /// <summary>
    /// HTTPS with a self-signed certificate generated for the instance, and <c>--oauth basic</c>: bearer tokens
    /// (see <see cref="LocalJwtCredential"/>) are accepted, so Get User Delegation Key and user-delegation SAS work.
    /// Shared key is still accepted in this mode.
    /// </summary>
    OAuthHttps,
}
