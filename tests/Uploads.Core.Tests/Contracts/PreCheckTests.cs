using Uploads.Policy;

namespace Uploads.Core.Tests.Contracts;

/// <summary>The pre-checks the server's <c>POST /url</c> and the client's pre-flight both run, in their one owner.</summary>
public sealed class PreCheckTests
{
    [Fact]
    public void Of_AllowedNameTypeAndSize_TypeAndNoProblem()
    {
        var check = PreCheck.Of("report.pdf", "application/pdf", 1024);

        Assert.Equal(("application/pdf", (UploadProblem?)null), (check.Type?.MediaType, check.Problem));
    }

    [Theory]
    [InlineData("archive.zip", null, 10L, ProblemCodes.UnsupportedContentType)]
    [InlineData("report", "application/pdf", 10L, ProblemCodes.MissingExtension)]
    [InlineData("report.pdf", "application/pdf", -1L, ProblemCodes.InvalidField)]
    [InlineData("photo.png", "image/png", (50L * 1024 * 1024) + 1, ProblemCodes.PayloadTooLarge)]
    public void Of_RefusedFile_TheFirstFailingCheck(string fileName, string? contentType, long size, string code)
    {
        Assert.Equal(code, PreCheck.Of(fileName, contentType, size).Problem?.Code);
    }

    [Fact]
    public void Of_OverTheCategoryLimit_TheSizeSentenceVerificationUsesToo()
    {
        var png = UploadPolicy.AllowedTypes.Single(t => t.MediaType == "image/png");

        var check = PreCheck.Of("photo.png", "image/png", (50L * 1024 * 1024) + 1);

        Assert.Equal(PreCheck.SizeRefusal(png, (50L * 1024 * 1024) + 1), check.Problem!.Detail);
        Assert.StartsWith("Image files may be at most ", check.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_SizeUnknown_NoSizeCheck()
    {
        Assert.Null(PreCheck.Of("photo.png", "image/png", null).Problem);
    }
}
