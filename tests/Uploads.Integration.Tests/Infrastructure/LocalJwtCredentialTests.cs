using System.Text;
using System.Text.Json;
using Azure.Core;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Infrastructure;

public sealed class LocalJwtCredentialTests
{
    [Fact]
    public void GetToken_Always_ProducesUnsignedJwtWithClaimsAzuriteChecks()
    {
        var tenant = Guid.NewGuid();
        var objectId = Guid.NewGuid();
        var credential = new LocalJwtCredential(tenant, objectId, TimeSpan.FromMinutes(30));

        var token = credential.GetToken(new TokenRequestContext(["https://storage.azure.com/.default"]), default);

        var parts = token.Token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal(string.Empty, parts[2]);
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        Assert.Equal("none", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("https://storage.azure.com", payload.RootElement.GetProperty("aud").GetString());
        Assert.Equal($"https://sts.windows.net/{tenant}/", payload.RootElement.GetProperty("iss").GetString());
        Assert.Equal(objectId.ToString(), payload.RootElement.GetProperty("oid").GetString());
        Assert.Equal(tenant.ToString(), payload.RootElement.GetProperty("tid").GetString());
        var exp = payload.RootElement.GetProperty("exp").GetInt64();
        Assert.Equal(token.ExpiresOn.ToUnixTimeSeconds(), exp);
        Assert.True(payload.RootElement.GetProperty("nbf").GetInt64() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.True(payload.RootElement.GetProperty("iat").GetInt64() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.InRange(token.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task TokensIssued_AfterSyncAndAsyncCalls_CountsEach()
    {
        var credential = new LocalJwtCredential();
        var context = new TokenRequestContext(["https://storage.azure.com/.default"]);

        credential.GetToken(context, default);
        await credential.GetTokenAsync(context, default);

        Assert.Equal(2, credential.TokensIssued);
    }

    private static string Base64UrlDecode(string value)
    {
        var padded = value.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
    }
}
