using Microsoft.AspNetCore.Http;
using Uploads.Core.Security;
using Uploads.Policy;

namespace Uploads.Functions.Http;

internal static class RequestAuthentication
{
    public static readonly UploadProblem MissingOrInvalidKey = Problems.InvalidApiKey.With(
        $"Send your API key in the {ApiKeyAuthenticator.HeaderName} header. Missing, unknown and revoked keys are refused.");

    /// <summary>The client whose key the request carries, or null (then answer <see cref="MissingOrInvalidKey"/>).</summary>
    public static ApiClient? Authenticate(this ApiKeyAuthenticator authenticator, HttpRequest request)
    {
        var values = request.Headers[ApiKeyAuthenticator.HeaderName];
        return values.Count == 1 ? authenticator.Authenticate(values[0]) : null;
    }
}
