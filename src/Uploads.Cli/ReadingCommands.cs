using System.Globalization;
using System.Text.Json;
using Uploads.Client;
using Uploads.Policy;

namespace Uploads.Cli;

/// <summary>
/// <c>get</c>, <c>ls</c> and <c>rm</c>: download a verified file (its SHA-256 checked when the API gives one), list
/// your uploads, remove one. Exit codes as for the other commands (README).
/// </summary>
internal static class ReadingCommands
{
    public static async Task<int> GetAsync(CliSettings settings, string blobPath, string? output, CancellationToken cancellationToken)
    {
        if (Commands.CreateClient(settings, 1) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            var destination = output ?? BlobPathName.Of(blobPath);
            if (output is null && destination is "" or "." or "..")
            {
                await Console.Error.WriteLineAsync($"{blobPath} does not end with a file name; name where to write the file with --output FILE.");
                return ExitCodes.Usage;
            }

            if (output is null && File.Exists(destination))
            {
                await Console.Error.WriteLineAsync($"{destination} exists already; name where to write the file with --output FILE (it is then replaced).");
                return ExitCodes.Usage;
            }

            try
            {
                var result = await client.DownloadAsync(blobPath, destination, cancellationToken);
                if (settings.Json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.DownloadResult));
                }
                else
                {
                    var check = result.Sha256Checked ? "SHA-256 checked" : "SHA-256 not given by the API";
                    Console.WriteLine($"{result.Destination}\t{result.ContentType}\t{ByteSize.Describe(result.SizeBytes)}\tsha256:{result.Sha256} ({check})");
                }

                return ExitCodes.Success;
            }
            catch (UploadApiException ex) when (ex.Code == "upload_rejected")
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return ExitCodes.Rejected;
            }
            catch (DownloadIntegrityException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return ExitCodes.NetworkFailure;
            }
            catch (Exception ex) when (Commands.Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }

    public static async Task<int> ListAsync(CliSettings settings, string? state, CancellationToken cancellationToken)
    {
        if (Commands.CreateClient(settings, 1) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            try
            {
                await foreach (var item in client.ListAsync(state, cancellationToken))
                {
                    Console.WriteLine(settings.Json
                        ? JsonSerializer.Serialize(item, CliJsonContext.Default.UploadListItem)
                        : string.Join('\t', UploadStates.NameOf(item.Status), item.SizeBytes.ToString(CultureInfo.InvariantCulture), UtcSeconds.ToText(item.UploadedAt), item.BlobPath));
                }

                return ExitCodes.Success;
            }
            catch (Exception ex) when (Commands.Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }

    public static async Task<int> RemoveAsync(CliSettings settings, string blobPath, CancellationToken cancellationToken)
    {
        if (Commands.CreateClient(settings, 1) is not { } client)
        {
            return ExitCodes.Usage;
        }

        using (client)
        {
            try
            {
                await client.DeleteAsync(blobPath, cancellationToken);
                await Console.Error.WriteLineAsync($"Removed {blobPath} (a quarantined copy, if any, stays).");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (Commands.Classify(ex) is { } code)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return code;
            }
        }
    }
}
