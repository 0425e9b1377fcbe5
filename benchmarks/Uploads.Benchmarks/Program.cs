using BenchmarkDotNet.Running;
using Uploads.Benchmarks;

// `--sniff-corpus <dir>` prints the sniffer's verdict for every corpus file (used by tests/fixtures/compare-libmagic.sh);
// anything else goes to BenchmarkDotNet's switcher (for example `--filter '*Sniff*' --job short`).
if (args.Length >= 1 && args[0] == "--sniff-corpus")
{
    return await CorpusVerdicts.PrintAsync(args.Length >= 2 ? args[1] : CorpusLocator.Find()).ConfigureAwait(false);
}

BenchmarkSwitcher.FromAssembly(typeof(SniffBenchmarks).Assembly).Run(args);
return 0;
