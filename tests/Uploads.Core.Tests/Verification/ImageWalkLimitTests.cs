using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Tests.Verification;

/// <summary>The sniffer's image walk bound against the policy's image size limit (two assemblies, one rule).</summary>
public sealed class ImageWalkLimitTests
{
    [Fact]
    public void MaxImageWalkBytes_IsTheImageSizeLimit()
    {
        // An image over the walk bound is left unread to the size limit: safe only while no allowed image is larger.
        Assert.Equal(ActiveContentScanner.MaxImageWalkBytes, UploadPolicy.MaxBytes(ContentCategory.Image));
    }
}
