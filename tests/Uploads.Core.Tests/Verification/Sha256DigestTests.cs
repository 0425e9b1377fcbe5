using System.Security.Cryptography;
using Uploads.Core.Verification;
using Uploads.Policy;

namespace Uploads.Core.Tests.Verification;

public sealed class Sha256DigestTests
{
    private static readonly byte[] Digest = SHA256.HashData("hello"u8);

    [Fact]
    public void TryParse_Base64OfThirtyTwoBytes_TheBytes()
    {
        Assert.True(Sha256Digest.TryParse(Convert.ToBase64String(Digest), out var parsed, out var problem));

        Assert.Equal(Digest, parsed);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData(null, "it is empty")]
    [InlineData("", "it is empty")]
    [InlineData("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ", "is not base64")]
    [InlineData("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCR=", "is not base64")]
    [InlineData(" LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "is not base64")]
    [InlineData("LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "is not base64")]
    [InlineData("AQID", "decodes to 3 bytes")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "hexadecimal")]
    public void TryParse_NotThirtyTwoBytesOfBase64_400NamingFieldAndWhatIsWrong(string? value, string what)
    {
        Assert.False(Sha256Digest.TryParse(value, out _, out var problem));

        Assert.Equal(400, problem!.Status);
        Assert.Equal(ProblemCodes.InvalidField, problem.Code);
        Assert.StartsWith("\"sha256\" must be the base64 of the file's 32-byte SHA-256 digest", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("openssl dgst -sha256 -binary FILE | base64", problem.Detail, StringComparison.Ordinal);
        Assert.Contains(what, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_TwoDigests_415NamingBothInBase64()
    {
        var other = SHA256.HashData("world"u8);

        var problem = Sha256Digest.Mismatch(Digest, other);

        Assert.Equal(415, problem.Status);
        Assert.Equal(ProblemCodes.Sha256Mismatch, problem.Code);
        Assert.StartsWith($"The file's SHA-256 is {Convert.ToBase64String(Digest)}, but {Convert.ToBase64String(other)} was declared", problem.Detail, StringComparison.Ordinal);
        Assert.True(Sha256Digest.Matches(Digest, SHA256.HashData("hello"u8)));
        Assert.False(Sha256Digest.Matches(Digest, other));
    }
}
