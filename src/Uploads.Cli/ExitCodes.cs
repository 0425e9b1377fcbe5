namespace Uploads.Cli;

/// <summary>
/// The exit codes of <c>uploads</c> (README). With several files the most severe outcome wins (the highest code).
/// </summary>
internal static class ExitCodes
{
    /// <summary>Every file verified (or, without <c>--wait</c>, uploaded; a presigned upload is then still pending).</summary>
    public const int Success = 0;

    /// <summary>Unexpected failure (a bug: the message says what).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line, or no API base / key.</summary>
    public const int Usage = 2;

    /// <summary>A file was rejected by verification (its bytes are not the type it claims).</summary>
    public const int Rejected = 3;

    /// <summary>A file was refused by policy before or at upload: missing, unreadable, empty, type, size or name.</summary>
    public const int RefusedByPolicy = 4;

    /// <summary>The API key was refused (401).</summary>
    public const int AuthenticationFailed = 5;

    /// <summary>The API or storage could not be reached, or kept failing after retries (network, 5xx, 429).</summary>
    public const int NetworkFailure = 6;

    /// <summary>Interrupted (Ctrl+C, SIGINT's 128 + 2): the summary says what was stored and how to resume.</summary>
    public const int Interrupted = 130;
}
