using System.Globalization;

namespace Uploads.Sniffing;

/// <summary>
/// The decoded-size limit of images (docs/sniffing.md, "Files inside files: images and RIFF"): the most pixels an
/// image, each frame of an animation, a GIF's logical screen or a WebP canvas may declare. A few bytes can declare
/// billions of pixels (a 30-byte WebP of 16383×16383, a 48 KB PNG of 20000×20000); whatever later decodes the image
/// (a thumbnailer) would allocate for all of them. The one owner of the default and of the refusal's wording.
/// </summary>
public static class ImagePixels
{
    /// <summary>
    /// The default: Pillow's decompression-bomb threshold (<c>Image.MAX_IMAGE_PIXELS</c>, 1024 × 1024 × 1024 / 4 / 3:
    /// a 256 MiB RGB buffer), below ImageMagick's Debian policy (area 128 MP, width and height 16 K each). Cameras of
    /// up to about 85 MP (9,600 × 8,000) pass; a deployment for larger photographs raises it (<c>Uploads__MaxImagePixels</c>).
    /// </summary>
    public const long DefaultMax = 89_478_485;

    /// <summary>The refusal when <paramref name="width"/> × <paramref name="height"/> exceeds <paramref name="max"/>, else null.</summary>
    /// <param name="where">What declares it: "in its PNG header (IHDR)", "in frame 3 (fcTL at offset 1234)".</param>
    internal static string? Exceeds(long width, long height, long max, string where)
    {
        var pixels = width * height;
        return pixels <= max
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"The image declares {width}×{height} pixels ({pixels:N0}) {where}, more than the {max:N0} allowed. An image this large exhausts whatever decodes it (a decompression bomb); scale it down and upload that.");
    }
}
