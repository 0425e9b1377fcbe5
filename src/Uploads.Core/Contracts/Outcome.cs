using Uploads.Policy;

namespace Uploads.Core.Contracts;

/// <summary>A value or the problem that prevented it.</summary>
public readonly record struct Outcome<T>(T? Value, UploadProblem? Problem)
    where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(UploadProblem problem) => new(null, problem);
}
