using Uploads.Core.Policy;

namespace Uploads.Core.Tests.Policy;

public sealed class ContentTypeResolutionTests
{
    [Theory]
    [InlineData("a.mp4", "video/mp4", "video/mp4")]
    [InlineData("a.MOV", "video/quicktime", "video/quicktime")]
    [InlineData("a.wav", "audio/x-wav", "audio/x-wav")]
    [InlineData("a.wav", "audio/wav", "audio/wav")]
    [InlineData("a.txt", "text/plain; charset=utf-8", "text/plain")]
    [InlineData("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    [InlineData("noext", "image/png", "image/png")]
    [InlineData("a.jpeg", "IMAGE/JPEG", "image/jpeg")]
    public void Resolve_AllowedTypeWithMatchingExtension_ResolvesType(string name, string declared, string expected)
    {
        var resolution = ContentTypeResolution.Resolve(name, declared);

        Assert.Null(resolution.Problem);
        Assert.Equal(expected, resolution.Type!.MediaType);
    }

    [Theory]
    [InlineData("a.pdf", null, "application/pdf")]
    [InlineData("a.pdf", "", "application/pdf")]
    [InlineData("a.mp3", "application/octet-stream", "audio/mpeg")]
    public void Resolve_NoDeclaredType_UsesExtension(string name, string? declared, string expected)
    {
        Assert.Equal(expected, ContentTypeResolution.Resolve(name, declared).Type!.MediaType);
    }

    [Theory]
    [InlineData("a.exe", "application/x-msdownload")]
    [InlineData("a.html", "text/html")]
    [InlineData("a.png", "image/bmp")]
    [InlineData("a.png", "not a type")]
    public void Resolve_TypeNotAllowed_Is415(string name, string declared)
    {
        var problem = ContentTypeResolution.Resolve(name, declared).Problem;

        Assert.Equal(415, problem!.Status);
        Assert.Contains("allowed", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("photo.png", "image/jpeg")]
    [InlineData("movie.mp4", "application/pdf")]
    [InlineData("script.exe", "image/png")]
    [InlineData("page.html", "text/plain")]
    public void Resolve_ExtensionNamesOtherType_Is415NamingBoth(string name, string declared)
    {
        var problem = ContentTypeResolution.Resolve(name, declared).Problem;

        Assert.Equal(415, problem!.Status);
        Assert.Contains(declared, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.bin", null)]
    [InlineData("noext", null)]
    public void Resolve_NoTypeAtAll_Is415(string name, string? declared)
    {
        Assert.Equal(415, ContentTypeResolution.Resolve(name, declared).Problem!.Status);
    }
}
