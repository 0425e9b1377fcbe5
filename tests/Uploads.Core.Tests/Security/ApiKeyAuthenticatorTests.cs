using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Security;

namespace Uploads.Core.Tests.Security;

public sealed class ApiKeyAuthenticatorTests
{
    private static ApiKeyAuthenticator Create(params (string Client, string Key)[] clients) =>
        new(Options.Create(new ApiKeyOptions { Clients = clients.ToDictionary(c => c.Client, c => ApiKeyMinter.HashOf(c.Key)) }), NullLogger<ApiKeyAuthenticator>.Instance);

    [Fact]
    public void Authenticate_KnownKey_ReturnsItsClient()
    {
        var authenticator = Create(("acme", "key-a"), ("beta", "key-b"));

        Assert.Equal("beta", authenticator.Authenticate("key-b")!.Id);
        Assert.Equal("acme", authenticator.Authenticate("key-a")!.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key-c")]
    [InlineData("KEY-A")]
    [InlineData("key-a ")]
    public void Authenticate_MissingOrUnknownKey_ReturnsNull(string? key)
    {
        Assert.Null(Create(("acme", "key-a")).Authenticate(key));
    }

    [Fact]
    public void Authenticate_TheHashItself_ReturnsNull()
    {
        // Configuration holds hashes; presenting a leaked hash must not work.
        Assert.Null(Create(("acme", "key-a")).Authenticate(ApiKeyMinter.HashOf("key-a")));
    }

    [Fact]
    public void Authenticate_OverlongKey_ReturnsNull()
    {
        var key = new string('k', 300);
        Assert.Null(Create(("acme", key)).Authenticate(key));
    }

    [Fact]
    public void Authenticate_UnresolvedKeyVaultReference_ThatClientDisabledOthersWork()
    {
        var options = new ApiKeyOptions
        {
            Clients =
            {
                ["acme"] = ApiKeyMinter.HashOf("key-a"),
                ["beta"] = "@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/apikey-beta/)",
            },
        };

        var authenticator = new ApiKeyAuthenticator(Options.Create(options), NullLogger<ApiKeyAuthenticator>.Instance);

        Assert.Equal("acme", authenticator.Authenticate("key-a")!.Id);
        Assert.Null(authenticator.Authenticate("@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/apikey-beta/)"));
        Assert.True(new ApiKeyOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Mint_TwoKeys_DifferAndHashMatches()
    {
        var a = ApiKeyMinter.Mint();
        var b = ApiKeyMinter.Mint();

        Assert.NotEqual(a.Key, b.Key);
        Assert.StartsWith("upk_", a.Key, StringComparison.Ordinal);
        Assert.Equal(47, a.Key.Length);
        Assert.Equal(ApiKeyMinter.HashOf(a.Key), a.Sha256Hex);
        Assert.Equal("a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3", ApiKeyMinter.HashOf("123"));
    }
}
