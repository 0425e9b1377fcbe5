namespace Uploads.Sniffing;

/// <summary>
/// What earlier evaluations of the same file learnt that a later one may resume from instead of starting over: a
/// structure walk's position (docs/sniffing.md, "Files inside files: audio and video"). Opaque; one per file and check,
/// handed to every <see cref="SniffInput"/> of that file (the streaming path builds a new input per round). The bytes
/// of every input it is handed must be the same file's.
/// </summary>
internal sealed class SniffProgress
{
    /// <summary>The walk state of the format being walked (<see cref="Formats.StructureWalk"/>), null before the first walk step.</summary>
    internal object? Walk { get; set; }
}
