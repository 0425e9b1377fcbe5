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

    [Theory]
    [InlineData("application/x-www-form-urlencoded")] // curl --data-binary
    [InlineData("APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8")]
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public void Decide_NotAllowedUnderAClientDefaultType_ReasonNamesTheTypeOfTheName(string? declared)
    {
        var decision = VerificationPolicy.Decide("report.pdf", declared, 1000, Found("application/x-msdownload"));

        Assert.False(decision.Accepted);
        Assert.Equal("The name report.pdf says application/pdf, but the file is application/x-msdownload, which is not an allowed type.", decision.Reason);
    }

    [Fact]
    public void Decide_NotAllowedUnderAChosenType_ReasonNamesTheChosenType()
    {
        var decision = VerificationPolicy.Decide("report.pdf", "text/html", 1000, Found("application/x-msdownload"));

        Assert.Equal("Declared text/html, but the file is application/x-msdownload, which is not an allowed type.", decision.Reason);
    }

    [Fact]
    public void Decide_NotAllowedWithoutTypeOrExtension_ReasonNamesTheFileOnly()
    {
        var decision = VerificationPolicy.Decide("report", "application/x-www-form-urlencoded", 1000, Found("application/x-msdownload"));

        Assert.Equal("The file is application/x-msdownload, which is not an allowed type.", decision.Reason);
    }

    [Fact]
    public void Decide_OtherAllowedTypeUnderCurlsDefault_ReasonNamesTheTypeOfTheName()
    {
        var decision = VerificationPolicy.Decide("report.pdf", "application/x-www-form-urlencoded", 1000, Found("image/png"));

        Assert.Equal("The name report.pdf says application/pdf, but the file is image/png.", decision.Reason);
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
