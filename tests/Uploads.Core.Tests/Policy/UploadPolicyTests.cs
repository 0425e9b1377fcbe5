using Uploads.Policy;

namespace Uploads.Core.Tests.Policy;

public sealed class UploadPolicyTests
{
    [Theory]
    [InlineData(ContentCategory.Video, 5L * 1024 * 1024 * 1024)]
    [InlineData(ContentCategory.Audio, 500L * 1024 * 1024)]
    [InlineData(ContentCategory.Image, 50L * 1024 * 1024)]
    [InlineData(ContentCategory.Document, 100L * 1024 * 1024)]
    public void MaxBytes_Category_MatchesGuide(ContentCategory category, long expected)
    {
        Assert.Equal(expected, UploadPolicy.MaxBytes(category));
    }

    [Fact]
    public void AllowedTypes_ExactlyTheGuidesList()
    {
        string[] guide =
        [
            "video/mp4", "video/quicktime", "video/x-msvideo", "video/x-matroska",
            "audio/mpeg", "audio/wav", "audio/x-wav", "audio/aac", "audio/ogg",
            "image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml",
            "application/pdf", "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain",
        ];

        Assert.Equal(guide.Order(StringComparer.Ordinal), UploadPolicy.AllowedTypes.Select(t => t.MediaType).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AreEquivalent_WavNames_True()
    {
        Assert.True(UploadPolicy.AreEquivalent("audio/wav", "audio/x-wav"));
        Assert.False(UploadPolicy.AreEquivalent("audio/wav", "audio/mpeg"));
    }

    [Theory]
    [InlineData(" Image/PNG ; q=1", "image/png")]
    [InlineData("", null)]
    [InlineData("image /png", null)]
    public void NormalizeMediaType_Input_Normalized(string input, string? expected)
    {
        Assert.Equal(expected, UploadPolicy.NormalizeMediaType(input));
    }
}
