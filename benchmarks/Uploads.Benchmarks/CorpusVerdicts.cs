using System.Globalization;
using Uploads.Sniffing;

namespace Uploads.Benchmarks;

/// <summary>Prints "file TAB detected type TAB refusal-or-dash" for each file of the corpus, in name order.</summary>
internal static class CorpusVerdicts
{
    public static async Task<int> PrintAsync(string directory)
    {
        foreach (var path in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name == "manifest.tsv")
            {
                continue;
            }

            var bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
            var detected = await ContentSniffer.SniffAsync(
                (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
                bytes.Length).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{detected.MediaType}\t{detected.Refusal ?? "-"}"));
        }

        return 0;
    }
}
