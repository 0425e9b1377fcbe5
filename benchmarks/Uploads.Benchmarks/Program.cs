using BenchmarkDotNet.Running;
using Uploads.Benchmarks;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

// Measurement modes (docs/measurements.md); anything else goes to BenchmarkDotNet's switcher
// (for example `--filter '*Sniff*' --job short`, or `--filter '*UrlIssuance*'`). `--help` prints both.
const string Usage = """
    Measurement modes (dotnet run -c Release --project benchmarks/Uploads.Benchmarks -- <mode> [options]); docs/measurements.md:
      --sniff-corpus <dir>    the sniffer's verdict for every corpus file (used by tests/fixtures/compare-libmagic.sh)
      --url-throughput        upload URLs per second in-process from N parallel tasks, storage and token requests per 1,000 URLs
                              [--count 100000] [--parallel 1,2,4] [--repeat 3] [--mode OAuthHttps|SharedKey]
      --verification-bytes    bytes and requests one verification reads from storage, blobs from 1 KB to 1 GB
                              [--sizes 1024,...] [--kinds mp4,pdf,...] [--mode OAuthHttps|SharedKey]
      --active-content-cost   bytes, range reads, CPU and allocations of the active-content checks (PDF, DOCX at 1/10/100 MB, SVG)
                              in process [--sizes 1048576,...] [--repeat 3]
      --adversarial-cost      per input, each check alone in a child process as the verifier runs it: CPU, allocations, peak
                              working-set growth, work units, verdict; every crafted shape (tests/Uploads.Adversarial) at sizes
                              up to its category limit, the cost fuzzer's costliest finds, the ordinary and active-content
                              corpora; fails over 2 s CPU or 256 MB, or when a shape that is not clean is accepted
                              [--sizes 4096,...] [--max-size N] [--fuzz-seconds 60] [--seed 1]
      --cost-fuzz             the long cost-fuzzing campaign: inputs that spend their work budget, and the costliest per byte,
                              written to tests/fixtures/cost-regressions; top 10 printed [--seconds 600] [--seed 1] [--max-bytes 65536]
      --reconcile-cost        storage requests and time of one reconciliation pass over N blobs with P pending:
                              List Blobs calls per 10,000 blobs [--blobs 10000] [--pending 100]
      --scaled-files <dir>    writes the scaled files --verification-bytes uploads [--size N], to check them with other tools
    Through the real app: the BUILT worker (dotnet build -c Release src/Uploads.Functions) run by the host emulator
    (in this process; the worker is a process of its own, and the one whose CPU and memory are reported), against
    Azurite in both storage modes unless --modes says otherwise [--modes OAuthHttps,SharedKey]:
      --worker-cold-start     start of emulator + worker to the first 200 of POST /api/integrations/uploads/url,
                              per run, median, min, max [--runs 5]
      --http-overhead         latency of one upload URL, sequential: in-process service call vs HTTP through emulator +
                              worker (and the emulator's own 404, the worker's 401) [--count 5000] [--warmup-seconds 10]
      --url-http-throughput   upload URLs/s over HTTP from C concurrent loops for a fixed time
                              [--concurrency 1,4,16] [--seconds 10] [--warmup-seconds 3] [--jit-warmup-seconds 10]
      --status-latency        GET status per path state (verified, rejected, missing, pending): storage requests per call
                              and sequential latency through emulator + worker, OAuthHttps [--count 2000] [--warmup-seconds 5] [--pending 200]
      --url-wrk               the URL endpoint under Debian's wrk (apt-get install wrk): requests/s, p50/p99/p99.9,
                              errors, worker RSS [--connections 16] [--seconds 10] [--mode OAuthHttps|SharedKey]
      --direct-load           concurrent 10 MB direct uploads: MB/s, latency, worker peak RSS, vs. SDK straight to Azurite
                              [--sizes 10000000,10485760] [--concurrency 20] [--rounds 5] [--worker-gc server|workstation]
      --soak                  mixed traffic (URLs, presigned PUTs, direct uploads, status, bad inputs) for a fixed time: worker
                              RSS, open fds and TCP sockets sampled, trend, errors, uploads lost
                              [--seconds 600] [--concurrency 4] [--sample-seconds 5] [--mode OAuthHttps|SharedKey]
      --consumer-cost         read-url, list and delete (issue 21): storage requests per call and of one verification with its
                              pin, sequential latency through emulator + worker, OAuthHttps
                              [--uploads 1000] [--count 1000] [--deletes 200] [--warmup-seconds 5]
      --client-throughput     one 1 GiB file (in /tmp): the uploads CLI vs. the guide's requests.put and Azure SDK upload_blob
                              (Debian's python3), as ratios; then the CLI killed at 50 % and resumed: blocks, bytes, time
                              [--size 1073741824] [--parallel 4] [--mode OAuthHttps|SharedKey]
    Every mode stops by itself (bounded in count and time) and sends traffic to 127.0.0.1 only.
    """;

switch (args.Length > 0 ? args[0] : "")
{
    case "--sniff-corpus":
        return await CorpusVerdicts.PrintAsync(args.Length >= 2 ? args[1] : TestFixtures.CorpusDirectory).ConfigureAwait(false);
    case "--url-throughput":
        return await UrlThroughput.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--client-throughput":
        return await ClientThroughput.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--direct-load":
        return await DirectLoad.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--worker-cold-start":
        return await WorkerColdStart.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--http-overhead":
        return await HttpOverhead.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--url-http-throughput":
        return await UrlHttpThroughput.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--consumer-cost":
        return await ConsumerCost.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--status-latency":
        return await StatusLatency.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--verification-bytes":
        return await VerificationBytes.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--active-content-cost":
        return await ActiveContentCost.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--url-wrk":
        return await UrlWrk.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--soak":
        return await Soak.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--adversarial-cost":
        return await AdversarialCost.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--adversarial-one":
        // The child of --adversarial-cost: one check of one file, alone in this process.
        return await AdversarialCost.RunOneAsync(args).ConfigureAwait(false);
    case "--cost-fuzz":
        return CostFuzz.Run(new Args(args));
    case "--reconcile-cost":
        return await ReconcileCost.RunAsync(new Args(args)).ConfigureAwait(false);
    case "--scaled-files":
        return await VerificationBytes.WriteFilesAsync(args[1], new Args(args)).ConfigureAwait(false);
    case "--help" or "-h":
        Console.WriteLine(Usage);
        Console.WriteLine("BenchmarkDotNet benchmarks (SniffBenchmarks, UrlIssuanceBenchmarks):");
        BenchmarkSwitcher.FromAssembly(typeof(SniffBenchmarks).Assembly).Run(args);
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(SniffBenchmarks).Assembly).Run(args);
        return 0;
}
