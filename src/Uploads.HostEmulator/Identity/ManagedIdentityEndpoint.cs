using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;

namespace Uploads.HostEmulator.Identity;

/// <summary>
/// The platform's managed-identity endpoint as App Service and Azure Functions expose it to the app
/// (<c>IDENTITY_ENDPOINT</c> + <c>IDENTITY_HEADER</c>, protocol version 2019-08-01), which Azure.Identity's
/// <c>ManagedIdentityCredential</c> calls:
/// <c>GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&amp;resource=R[&amp;client_id=C]</c> with header
/// <c>X-IDENTITY-HEADER</c>. It answers with unsigned JWTs for the configured identity, which Azurite's
/// <c>--oauth basic</c> accepts (Azure would not), so the app's production path — identity-based connection,
/// bearer tokens, user-delegation SAS — runs locally unchanged.
/// </summary>
internal sealed partial class ManagedIdentityEndpoint(ManagedIdentityOptions identity, TimeProvider time, ILogger logger)
{
    public const string Path = "/msi/token";
    public const string ApiVersion = "2019-08-01";
    public const string SecretHeader = "X-IDENTITY-HEADER";

    /// <summary>The secret the worker gets as <c>IDENTITY_HEADER</c>; requests without it are refused, as on the platform.</summary>
    public string Secret { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public int TokensIssued => Volatile.Read(ref _issued);

    private int _issued;

    public async Task HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        var presented = request.Headers[SecretHeader].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Secret)))
        {
            await Error(http, StatusCodes.Status401Unauthorized, $"Missing or wrong {SecretHeader}.").ConfigureAwait(false);
            return;
        }

        if (!string.Equals(request.Query["api-version"], ApiVersion, StringComparison.Ordinal))
        {
            await Error(http, StatusCodes.Status400BadRequest, $"api-version must be {ApiVersion}.").ConfigureAwait(false);
            return;
        }

        var resource = request.Query["resource"].ToString();
        if (string.IsNullOrWhiteSpace(resource))
        {
            await Error(http, StatusCodes.Status400BadRequest, "resource is required.").ConfigureAwait(false);
            return;
        }

        var now = time.GetUtcNow();
        var expiresOn = now + identity.TokenLifetime;
        var audience = UnsignedJwt.AudienceOf(resource);
        var token = UnsignedJwt.Create(audience, identity.TenantId, identity.ObjectId, now, expiresOn);
        Interlocked.Increment(ref _issued);
        var clientId = request.Query["client_id"].ToString();
        Log.TokenIssued(logger, audience, clientId);
        await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            ["access_token"] = token,
            ["expires_on"] = expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = clientId,
        }).ConfigureAwait(false);
    }

    private static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new Dictionary<string, object> { ["statusCode"] = status, ["message"] = message });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7401, EventName = "ManagedIdentityToken", Level = LogLevel.Debug, Message = "Managed identity: token for {Audience} (client id '{ClientId}')")]
        public static partial void TokenIssued(ILogger logger, string audience, string clientId);
    }
}
