using System.Text;
using System.Text.Json;

namespace Uploads.HostEmulator.Identity;

/// <summary>
/// Well-formed, UNSIGNED JWTs (<c>alg: none</c>) with the claims Azurite's <c>--oauth basic</c> mode checks:
/// audience, issuer <c>https://sts.windows.net/{tid}/</c>, <c>iat</c>/<c>nbf</c>/<c>exp</c>, plus <c>oid</c> and
/// <c>tid</c> (they end up in user-delegation keys as <c>skoid</c>/<c>sktid</c>). Azurite does not check signatures;
/// Azure would refuse these tokens, so they are for local storage emulators only.
/// </summary>
public static class UnsignedJwt
{
    /// <summary>The audience Azure Storage expects for data-plane tokens.</summary>
    public const string StorageAudience = "https://storage.azure.com";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    public static string Create(string audience, Guid tenantId, Guid objectId, DateTimeOffset now, DateTimeOffset expiresOn)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT" });
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["aud"] = audience,
            ["iss"] = $"https://sts.windows.net/{tenantId:D}/",
            ["iat"] = (now - ClockSkew).ToUnixTimeSeconds(),
            ["nbf"] = (now - ClockSkew).ToUnixTimeSeconds(),
            ["exp"] = expiresOn.ToUnixTimeSeconds(),
            ["oid"] = objectId.ToString("D"),
            ["tid"] = tenantId.ToString("D"),
            ["sub"] = objectId.ToString("D"),
            ["ver"] = "1.0",
        });

        // An unsigned JWS in compact form: header.payload. (empty signature).
        return new StringBuilder().Append(Base64Url(header)).Append('.').Append(Base64Url(payload)).Append('.').ToString();
    }

    /// <summary>The resource of a scope or resource string: <c>https://storage.azure.com/.default</c> → <c>https://storage.azure.com</c>.</summary>
    public static string AudienceOf(string resourceOrScope)
    {
        ArgumentNullException.ThrowIfNull(resourceOrScope);
        var audience = resourceOrScope.EndsWith("/.default", StringComparison.Ordinal) ? resourceOrScope[..^"/.default".Length] : resourceOrScope;
        return audience.TrimEnd('/');
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
