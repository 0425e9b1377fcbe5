namespace Uploads.Policy;

/// <summary>
/// One kind of problem the API answers: its <see cref="Code"/>, HTTP <see cref="Status"/> and <see cref="Title"/>,
/// declared together once in <see cref="Problems"/> (as tus/tusd declares its errors), so no call site picks a status
/// or a title: a problem is built from its type and a detail (<see cref="With(string)"/>).
/// </summary>
public sealed class ProblemType
{
    internal ProblemType(string code, int status, string title, bool isPolicyRefusal = false, TimeSpan? retryAfter = null)
    {
        Code = code;
        Status = status;
        Title = title;
        IsPolicyRefusal = isPolicyRefusal;
        RetryAfter = retryAfter;
    }

    /// <summary>The stable machine-readable identifier (a <see cref="ProblemCodes"/> constant).</summary>
    public string Code { get; }

    /// <summary>The HTTP status every answer of this type has.</summary>
    public int Status { get; }

    /// <summary>The RFC 9457 title: the same for every answer of this type.</summary>
    public string Title { get; }

    /// <summary>Refused by the upload policy (type, size, name): sending the same request again will not help.</summary>
    public bool IsPolicyRefusal { get; }

    /// <summary>
    /// The <c>Retry-After</c> an answer of this type carries (the request may succeed later as it is); null for a type
    /// that never carries one.
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>A problem of this type telling the client what to do (<paramref name="detail"/>).</summary>
    public UploadProblem With(string detail) => new(this, detail, RetryAfter);

    /// <summary>
    /// A problem of this type with its own <c>Retry-After</c> (a service still starting knows when to be asked again);
    /// only for a type that carries one.
    /// </summary>
    public UploadProblem With(string detail, TimeSpan retryAfter) => RetryAfter is null
        ? throw new InvalidOperationException($"A {Code} problem carries no Retry-After.")
        : new(this, detail, retryAfter);

    public override string ToString() => $"{Status} {Code}";
}
