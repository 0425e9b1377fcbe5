namespace Uploads.Policy;

/// <summary>The categories of the public guide; each has its own size limit.</summary>
public enum ContentCategory
{
    Video,
    Audio,
    Image,
    Document,
}
