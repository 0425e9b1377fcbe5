using BenchmarkDotNet.Running;
using Uploads.Benchmarks;
using Uploads.Benchmarks.Support;

// Measurement modes (docs/measurements.md); anything else goes to BenchmarkDotNet's switcher
// (for example `--filter '*Sniff*' --job short`, or `--filter '*UrlIssuance*'`).
//   --sniff-corpus <dir>   the sniffer's verdict for every corpus file (used by tests/fixtures/compare-libmagic.sh)
//   --url-throughput       upload URLs per second from N parallel tasks, storage and token requests per 1,000 URLs
//   --direct-load          20 concurrent direct uploads against the dev host in its own process: MB/s, latency, peak RSS
//   --verification-bytes   bytes and requests one verification reads from storage, blobs from 1 KB to 1 GB
//   --scaled-files <dir>   writes the scaled files --verification-bytes uploads (--size N), to check them with other tools
//   --devhost-child        (internal) the dev host with Azurite's test credential and pinned certificate, for --direct-load
switch (args.Length > 0 ? args[0] : "")
{
    case "--sniff-corpus":
        return await CorpusVerdicts.PrintAsync(args.Length >= 2 ? args[1] : CorpusLocator.Find()).ConfigureAwait(false);
    case "--url-throughput":
        return await UrlThroughput.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--direct-load":
        return await DirectLoad.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--verification-bytes":
        return await VerificationBytes.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--scaled-files":
        return await VerificationBytes.WriteFilesAsync(args[1], new Args(args)).ConfigureAwait(false);
    case "--devhost-child":
        return await DevHostChild.RunAsync(args[1..]).ConfigureAwait(false);
    default:
        BenchmarkSwitcher.FromAssembly(typeof(SniffBenchmarks).Assembly).Run(args);
        return 0;
}
