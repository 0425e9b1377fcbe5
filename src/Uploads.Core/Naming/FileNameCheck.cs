namespace Uploads.Core.Naming;

/// <summary>The outcome of checking a client-supplied file name. <see cref="Problem"/> is null when the name is acceptable.</summary>
internal readonly record struct FileNameCheck(string? Problem)
{
    public bool IsValid => Problem is null;

    public static FileNameCheck Valid { get; } = new(null);
}
