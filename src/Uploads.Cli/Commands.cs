using System.Net;
using System.Text.Json;
using Azure;
using Uploads.Client;

namespace Uploads.Cli;

/// <summary>Where the CLI reaches the API, and how it prints.</summary>
internal sealed record CliSettings(Uri? ApiBase, string? ApiKey, bool Json);

/// <summary>The commands: each maps the library's outcomes to output lines and an exit code.</summary>
internal static class Commands
{
    /// <summary>The command's name as installed (the tool's <c>ToolCommandName</c>): help, usage and hints say it.</summary>
    public const string Name = "uploads";

    public static CliSettings Settings(string? api, bool json) => new(
        Uri.TryCreate(api ?? Environment.GetEnvironmentVariable("UPLOADS_API_BASE"), UriKind.Absolute, out var apiBase) ? apiBase : null,
        Environment.GetEnvironmentVariable("UPLOADS_API_KEY"),
        json);

    public static async Task<int> PutAsync(CliSettings settings, string[] files, int parallel, UploadMode mode, string? contentType, bool wait, CancellationToken cancellationToken)
    {
        if (CreateClient(settings, parallel) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            using var display = ProgressDisplay.Create(settings.Json, files);
            var outcomes = await Task.WhenAll(files.Select(file => PutOneAsync(client, file, mode, contentType, wait, display, cancellationToken)));
            display.Complete();
            foreach (var outcome in outcomes)
            {
                WriteOutcome(settings, outcome);
            }

            return outcomes.Max(o => o.ExitCode);
        }
    }

    public static async Task<int> StatusAsync(CliSettings settings, string blobPath, bool wait, CancellationToken cancellationToken)
    {
        if (CreateClient(settings, 1) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            try
            {
                var status = wait ? await client.WaitForVerdictAsync(blobPath, cancellationToken) : await client.GetStatusAsync(blobPath, cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(status, CliJsonContext.Default.UploadStatus));
                return status.Status == "rejected" ? ExitCodes.Rejected : ExitCodes.Success;
            }
            catch (Exception ex) when (Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }

    public static async Task<int> UrlAsync(CliSettings settings, string file, string? contentType, CancellationToken cancellationToken)
    {
        if (CreateClient(settings, 1) is not { } client)
        {
            return ExitCodes.Usage;
        }

        if (DirectoryRefusal(file) is { } refusal)
        {
            await Console.Error.WriteLineAsync(refusal);
            client.Dispose();
            return ExitCodes.Usage;
        }

        using (client)
        {
            try
            {
                var presigned = await client.RequestUrlAsync(Preflight.Check(file, contentType), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(presigned, CliJsonContext.Default.PresignedUrl));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }

    private static async Task<FileOutcome> PutOneAsync(UploadsClient client, string file, UploadMode mode, string? contentType, bool wait, ProgressDisplay display, CancellationToken cancellationToken)
    {
        if (DirectoryRefusal(file) is { } refusal)
        {
            display.Done(file, "failed");
            return new FileOutcome(file, null, "failed", null, refusal, ExitCodes.Usage);
        }

        string? blobPath = null;
        var stored = new StoredBytes(display.For(file));
        try
        {
            var result = await client.UploadAsync(file, mode, stored, contentType, cancellationToken);
            blobPath = result.BlobPath;
            var (sent, resumed) = result.Mode == UploadMode.Presigned ? (result.BlocksSent, result.BlocksResumed) : ((int?)null, (int?)null);
            if (!wait && result.Mode == UploadMode.Presigned)
            {
                display.Done(file, "uploaded, verification pending");
                return new FileOutcome(file, blobPath, "pending") { BlocksSent = sent, BlocksResumed = resumed };
            }

            var status = await client.WaitForVerdictAsync(blobPath, cancellationToken);
            display.Done(file, status.Status);
            return (status.Status == "rejected"
                ? new FileOutcome(file, blobPath, "rejected", status.Reason, null, ExitCodes.Rejected)
                : new FileOutcome(file, blobPath, status.Status)) with { BlocksSent = sent, BlocksResumed = resumed };
        }
        catch (Exception ex) when (Classify(ex) is { } code)
        {
            display.Done(file, "failed");
            return new FileOutcome(file, blobPath, "failed", null, ex.Message, code);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: say what storage holds and how to go on; the journal (FILE.upload.json) names the staged blocks.
            display.Done(file, "interrupted");
            var what = blobPath is not null
                ? $"uploaded; run `{Name} status {blobPath} --wait` for its verdict"
                : $"{Uploads.Policy.ByteSize.Describe(stored.Last?.BytesSent ?? 0)} of {Uploads.Policy.ByteSize.Describe(stored.Last?.TotalBytes ?? 0)} stored; run `{Name} put {file}` again to resume (a presigned upload sends only the blocks storage lacks, a direct one starts over)";
            return new FileOutcome(file, blobPath, "interrupted", null, "interrupted: " + what, ExitCodes.Interrupted);
        }
    }

    /// <summary>Passes progress on and keeps the last report: what storage acknowledged when a run is interrupted.</summary>
    private sealed class StoredBytes(IProgress<UploadProgress> inner) : IProgress<UploadProgress>
    {
        public UploadProgress? Last { get; private set; }

        public void Report(UploadProgress value)
        {
            Last = value;
            inner.Report(value);
        }
    }

    /// <summary>A directory named where a file is expected (a usage error, not "File not found"), or null.</summary>
    private static string? DirectoryRefusal(string path) =>
        Directory.Exists(path) ? $"{path} is a directory; upload its files one by one ({Name} put {Path.Combine(path, "*")})." : null;

    /// <summary>The exit code of a failure, or null for one the CLI does not expect (it then propagates).</summary>
    internal static int? Classify(Exception exception) => exception switch
    {
        UploadRefusedException => ExitCodes.RefusedByPolicy,
        UploadApiException { IsAuthenticationFailure: true } => ExitCodes.AuthenticationFailed,
        UploadApiException { IsPolicyRefusal: true } => ExitCodes.RefusedByPolicy,
        UploadApiException { Status: 404 or 409 or 410 or 400 } => ExitCodes.RefusedByPolicy,
        UploadApiException => ExitCodes.NetworkFailure,
        RequestFailedException { Status: (int)HttpStatusCode.Forbidden } => ExitCodes.AuthenticationFailed,
        RequestFailedException or HttpRequestException or IOException => ExitCodes.NetworkFailure,
        _ => null,
    };

    internal static UploadsClient? CreateClient(CliSettings settings, int parallel)
    {
        if (settings.ApiBase is null || string.IsNullOrEmpty(settings.ApiKey))
        {
            Console.Error.WriteLine("Set the API base (--api or UPLOADS_API_BASE, an absolute URL) and the key (UPLOADS_API_KEY; never on the command line).");
            return null;
        }

        return new UploadsClient(new UploadsClientOptions { ApiBase = settings.ApiBase, ApiKey = settings.ApiKey, Parallelism = parallel });
    }

    private static void WriteOutcome(CliSettings settings, FileOutcome outcome)
    {
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(outcome, CliJsonContext.Default.FileOutcome));
        }
        else
        {
            Console.WriteLine($"{outcome.File}\t{outcome.Status}\t{outcome.BlobPath}{(outcome.Reason ?? outcome.Error) switch { null => string.Empty, var why => "\t" + why }}");
        }
    }
}
