using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure;
using Uploads.Client;
using Uploads.Policy;

namespace Uploads.Cli;

/// <summary>Where the CLI reaches the API, and how it prints.</summary>
internal sealed record CliSettings(Uri? ApiBase, string? ApiKey, bool Json);

/// <summary>What <c>put</c> was asked: files, directories (walked with <see cref="Recursive"/>) and patterns; files in flight; blocks in flight per file.</summary>
internal sealed record PutOptions(IReadOnlyList<string> Files, bool Recursive, int Jobs, int Parallel, UploadMode Mode, string? ContentType, bool Wait);

/// <summary>The commands: each maps the library's outcomes to output lines and an exit code.</summary>
internal static class Commands
{
    /// <summary>The command's name as installed (the tool's <c>ToolCommandName</c>): help, usage and hints say it.</summary>
    public const string Name = "uploads";

    public static CliSettings Settings(string? api, bool json) => new(
        Uri.TryCreate(api ?? Environment.GetEnvironmentVariable("UPLOADS_API_BASE"), UriKind.Absolute, out var apiBase) ? apiBase : null,
        Environment.GetEnvironmentVariable("UPLOADS_API_KEY"),
        json);

    public static async Task<int> PutAsync(CliSettings settings, PutOptions options, CancellationToken cancellationToken)
    {
        if (CreateClient(settings, options.Parallel) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            var started = Stopwatch.GetTimestamp();
            var targets = PutTargets.Expand(options.Files, options.Recursive);
            var meters = targets.Select((target, index) => new TransferMeter(target.Path, index, target.SizeBytes)).ToArray();
            var outcomes = new FileOutcome[targets.Count];
            using var display = ProgressDisplay.Create(settings.Json, meters);
            // Files in flight are bounded by --jobs (each with up to --parallel blocks); Ctrl+C does not stop the loop
            // itself: each file ends as interrupted (the ones not begun say so), so that every file has its line.
            await Parallel.ForEachAsync(Enumerable.Range(0, targets.Count), new ParallelOptions { MaxDegreeOfParallelism = options.Jobs }, async (index, _) =>
            {
                var (target, meter) = (targets[index], meters[index]);
                var outcome = target.Refusal is { } refusal
                    ? new FileOutcome(target.Path, null, "failed", null, refusal, target.ExitCode)
                    : await PutOneAsync(client, meter, options, display, cancellationToken);
                meter.Finish();
                outcomes[index] = outcome with
                {
                    SizeBytes = target.Refusal is null && meter.TotalBytes > 0 ? meter.TotalBytes : null,
                    BytesSent = target.Refusal is null ? meter.SentBytes : null,
                    BytesResumed = meter.ResumedBytes > 0 ? meter.ResumedBytes : null,
                };
                display.Done(meter, outcomes[index]);
            });
            var summary = RunSummary.Of(outcomes, Stopwatch.GetElapsedTime(started));
            display.Complete(outcomes, summary);
            return summary.ExitCode;
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
                return status.Status == UploadState.Rejected ? ExitCodes.Rejected : ExitCodes.Success;
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
                // Declared as put declares it: the upload made with this URL is verified only if it is exactly this file.
                var presigned = await client.RequestUrlAsync(Preflight.Check(file, contentType), await FileSha256.OfFileAsync(file, cancellationToken), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(presigned, CliJsonContext.Default.UploadUrlResponse));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }

    private static async Task<FileOutcome> PutOneAsync(UploadsClient client, TransferMeter meter, PutOptions options, ProgressDisplay display, CancellationToken cancellationToken)
    {
        var file = meter.File;
        if (cancellationToken.IsCancellationRequested)
        {
            return new FileOutcome(file, null, "interrupted", null, $"interrupted before it began; run `{Name} put {file}` again to upload it", ExitCodes.Interrupted);
        }

        string? blobPath = null;
        meter.Start();
        try
        {
            var result = await client.UploadAsync(file, options.Mode, display.For(meter), options.ContentType, cancellationToken);
            blobPath = result.BlobPath;
            var (sent, resumed) = result.Mode == UploadMode.Presigned ? (result.BlocksSent, result.BlocksResumed) : ((int?)null, (int?)null);
            if (!options.Wait && result.Mode == UploadMode.Presigned)
            {
                return new FileOutcome(file, blobPath, "pending") { BlocksSent = sent, BlocksResumed = resumed };
            }

            meter.Verifying();
            var status = await client.WaitForVerdictAsync(blobPath, cancellationToken);
            return (status.Status == UploadState.Rejected
                ? new FileOutcome(file, blobPath, "rejected", status.Reason, null, ExitCodes.Rejected)
                : new FileOutcome(file, blobPath, UploadStates.NameOf(status.Status))) with { BlocksSent = sent, BlocksResumed = resumed };
        }
        catch (Exception ex) when (Classify(ex) is { } code)
        {
            return new FileOutcome(file, blobPath, "failed", null, ex.Message, code);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: say what storage holds and how to go on; the journal (FILE.upload.json) names the staged blocks.
            var what = blobPath is not null
                ? $"uploaded; run `{Name} status {blobPath} --wait` for its verdict"
                : $"{Uploads.Policy.ByteSize.Describe(meter.StoredBytes)} of {Uploads.Policy.ByteSize.Describe(meter.TotalBytes)} stored; run `{Name} put {file}` again to resume (a presigned upload sends only the blocks storage lacks, a direct one starts over)";
            return new FileOutcome(file, blobPath, "interrupted", null, "interrupted: " + what, ExitCodes.Interrupted);
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
}
