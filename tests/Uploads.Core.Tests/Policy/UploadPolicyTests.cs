using Uploads.Policy;
using Uploads.Sniffing;

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

    [Theory]
    [InlineData("audio/wav", MediaTypes.Wav, true)]
    [InlineData("audio/x-wav", MediaTypes.Wav, true)]
    [InlineData("audio/wave", MediaTypes.Wav, true)]
    [InlineData("AUDIO/X-WAV; codecs=1", MediaTypes.Wav, true)]
    [InlineData("text/plain; charset=utf-8", MediaTypes.PlainText, true)]
    [InlineData("image/jpg", MediaTypes.Jpeg, true)]
    [InlineData("image/png", MediaTypes.Pdf, false)]
    [InlineData("video/mp4", MediaTypes.Mp4Audio, false)]
    [InlineData("video/mp4", MediaTypes.ThreeGpp, false)]
    [InlineData("video/x-matroska", MediaTypes.WebM, false)]
    public void AreEquivalent_DeclaredAndDetected_ComparesCanonicalNames(string declared, string detected, bool expected)
    {
        Assert.Equal(expected, UploadPolicy.AreEquivalent(declared, detected));
    }

    [Fact]
    public void Canonical_EverySniffedType_IsItsOwnName()
    {
        // The sniffer reports canonical names only: what a verified blob is stored with never goes through an alias.
        var sniffed = typeof(MediaTypes).GetFields()
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.NotEmpty(sniffed);
        Assert.All(sniffed, type => Assert.Equal(type, UploadPolicy.Canonical(type)));
    }
}
