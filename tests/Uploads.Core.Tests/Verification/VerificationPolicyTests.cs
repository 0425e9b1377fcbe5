using Uploads.Core.Verification;
using Uploads.Sniffing;

namespace Uploads.Core.Tests.Verification;

public sealed class VerificationPolicyTests
{
    private static SniffOutcome.Detected Found(string type, string? refusal = null) => new(type, refusal);

    [Theory]
    [InlineData("a.png", "image/png", "image/png")]
    [InlineData("a.png", null, "image/png")]
    [InlineData("a.png", "application/octet-stream", "image/png")]
    [InlineData("noext", null, "application/pdf")]
    [InlineData("a.wav", "audio/x-wav", "audio/wav")]
    [InlineData("a.wav", "audio/wav", "audio/wav")]
    public void Decide_ContentIsWhatItClaims_Accepted(string name, string? declared, string detected)
    {
        var decision = VerificationPolicy.Decide(name, declared, 1000, Found(detected));

        Assert.True(decision.Accepted, decision.Reason);
        Assert.Equal(detected, decision.DetectedType);
    }

    [Fact]
    public void Decide_DeclaredTypeDiffers_RefusedNamingBoth()
    {
        var decision = VerificationPolicy.Decide("a.png", "image/png", 1000, Found("application/pdf"));

        Assert.False(decision.Accepted);
        Assert.Equal("Declared image/png, but the file is application/pdf.", decision.Reason);
    }

    [Fact]
    public void Decide_ExtensionDiffersWithoutDeclaredType_RefusedNamingBoth()
    {
        var decision = VerificationPolicy.Decide("photo.jpg", null, 1000, Found("image/png"));

        Assert.False(decision.Accepted);
        Assert.Contains("image/jpeg", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("image/png", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("video/webm")]
    [InlineData("application/x-msdownload")]
    [InlineData("application/octet-stream")]
    [InlineData("text/html")]
    public void Decide_DetectedTypeNotAllowed_Refused(string detected)
    {
        var decision = VerificationPolicy.Decide("a.mkv", null, 1000, Found(detected));

        Assert.False(decision.Accepted);
        Assert.Contains("not an allowed type", decision.Reason, StringComparison.Ordinal);
        Assert.Contains(detected, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SnifferRefusal_RefusedWithItsReason()
    {
        var decision = VerificationPolicy.Decide("a.svg", "image/svg+xml", 1000, Found("image/svg+xml", "The SVG contains a script element."));

        Assert.False(decision.Accepted);
        Assert.Equal("The SVG contains a script element.", decision.Reason);
    }

    [Theory]
    [InlineData("a.png", "image/png", 50L * 1024 * 1024, true)]
    [InlineData("a.png", "image/png", 50L * 1024 * 1024 + 1, false)]
    [InlineData("a.mp3", "audio/mpeg", 500L * 1024 * 1024 + 1, false)]
    [InlineData("a.mp4", "video/mp4", 5L * 1024 * 1024 * 1024, true)]
    [InlineData("a.pdf", "application/pdf", 100L * 1024 * 1024 + 1, false)]
    public void Decide_SizeAgainstCategoryLimit(string name, string type, long size, bool accepted)
    {
        Assert.Equal(accepted, VerificationPolicy.Decide(name, type, size, Found(type)).Accepted);
    }
}
