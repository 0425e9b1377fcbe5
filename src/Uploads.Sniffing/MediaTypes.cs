namespace Uploads.Sniffing;

/// <summary>The media type names the sniffer answers with.</summary>
internal static class MediaTypes
{
    // Allowed (canonical names).
    public const string Mp4 = "video/mp4";
    public const string QuickTime = "video/quicktime";
    public const string Avi = "video/x-msvideo";
    public const string Matroska = "video/x-matroska";
    public const string Mpeg = "audio/mpeg";
    public const string Wav = "audio/wav";
    public const string Aac = "audio/aac";
    public const string Ogg = "audio/ogg";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string Gif = "image/gif";
    public const string WebP = "image/webp";
    public const string Svg = "image/svg+xml";
    public const string Pdf = "application/pdf";
    public const string MsWord = "application/msword";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string PlainText = "text/plain";

    // Look-alikes and other descriptive answers (never allowed).
    public const string OctetStream = "application/octet-stream";
    public const string Empty = "application/x-empty";
    public const string WebM = "video/webm";
    public const string ThreeGpp = "video/3gpp";
    public const string ThreeGpp2 = "video/3gpp2";
    public const string Mp4Audio = "audio/mp4";
    public const string Heif = "image/heif";
    public const string Avif = "image/avif";
    public const string OggVideo = "video/ogg";
    public const string OggOther = "application/ogg";
    public const string Html = "text/html";
    public const string Xhtml = "application/xhtml+xml";
    public const string Xml = "application/xml";
    public const string Zip = "application/zip";
    public const string Docm = "application/vnd.ms-word.document.macroenabled.12";
    public const string Dotx = "application/vnd.openxmlformats-officedocument.wordprocessingml.template";
    public const string Dotm = "application/vnd.ms-word.template.macroenabled.12";
    public const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string Pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    public const string Excel = "application/vnd.ms-excel";
    public const string PowerPoint = "application/vnd.ms-powerpoint";
    public const string Ole2 = "application/x-ole-storage";
    public const string Exe = "application/x-msdownload";
    public const string Elf = "application/x-executable";
    public const string MachO = "application/x-mach-binary";
    public const string Riff = "application/x-riff";
    public const string Ebml = "application/x-ebml";
}
