using BenchmarkDotNet.Running;
using Uploads.Benchmarks;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

// Measurement modes (docs/measurements.md): one registration each, below; the usage text (`--help`) is written from
// these entries. Anything else goes to BenchmarkDotNet's switcher (for example `--filter '*Sniff*' --job short`, or
// `--filter '*UrlIssuance*'`).
var modes = new MeasurementModes(
[
    new("--sniff-corpus", ModeKind.InProcess, "the sniffer's verdict for every corpus file (used by tests/fixtures/compare-libmagic.sh)", "", a => CorpusVerdicts.PrintAsync(a.Length >= 2 ? a[1] : TestFixtures.CorpusDirectory), Operand: "[<dir>]"),
    new("--url-throughput", ModeKind.InProcess, "upload URLs per second in-process from N parallel tasks, storage and token requests per 1,000 URLs", "[--count 100000] [--parallel 1,2,4] [--repeat 3] [--mode OAuthHttps|SharedKey]", a => UrlThroughput.RunAsync(new Args(a))),
    new("--verification-bytes", ModeKind.InProcess, "bytes and requests one verification reads from storage, blobs from 1 KB to 1 GB", "[--sizes 1024,...] [--kinds mp4,pdf,...] [--mode OAuthHttps|SharedKey]", a => VerificationBytes.RunAsync(new Args(a))),
    new("--active-content-cost", ModeKind.InProcess, "bytes, range reads, CPU and allocations of the active-content checks (PDF, DOCX at 1/10/100 MB, SVG) in process", "[--sizes 1048576,...] [--repeat 3]", a => ActiveContentCost.RunAsync(new Args(a))),
    new("--adversarial-cost", ModeKind.InProcess, "per input, each check alone in a child process as the verifier runs it: CPU, allocations, peak working-set growth, work units, verdict; every crafted shape (tests/Uploads.Adversarial) at sizes up to its category limit, the cost fuzzer's costliest finds, the ordinary and active-content corpora; fails over 2 s CPU or 256 MB, or when a shape that is not clean is accepted", "[--sizes 4096,...] [--max-size N] [--fuzz-seconds 60] [--seed 1]", a => AdversarialCost.RunAsync(new Args(a))),
    new("--adversarial-one", ModeKind.Internal, "the child of --adversarial-cost: one check of one file, alone in this process", "", AdversarialCost.RunOneAsync),
    new("--cost-fuzz", ModeKind.InProcess, "the long cost-fuzzing campaign: inputs that spend their work budget, and the costliest per byte, written to tests/fixtures/cost-regressions (or --out); top 10 printed", "[--seconds 600] [--seed 1] [--max-bytes 65536] [--out DIR]", a => Task.FromResult(CostFuzz.Run(new Args(a)))),
    new("--reconcile-cost", ModeKind.InProcess, "storage requests and time of one reconciliation pass over N blobs with P pending: List Blobs calls per 10,000 blobs", "[--blobs 10000] [--pending 100]", a => ReconcileCost.RunAsync(new Args(a))),
    new("--sha256-cost", ModeKind.InProcess, "what the end-to-end SHA-256 adds to the check of a presigned upload (a scaled MP4): wall and CPU time per GiB, Verification:ComputeSha256 declared (no declaration) vs always", "[--sizes 268435456,1073741824] [--repeat 3] [--mode OAuthHttps|SharedKey]", a => Sha256Cost.RunAsync(new Args(a))),
    new("--scaled-files", ModeKind.InProcess, "writes the scaled files --verification-bytes uploads, to check them with other tools", "[--size N]", a => VerificationBytes.WriteFilesAsync(a[1], new Args(a)), Operand: "<dir>"),
    new("--worker-cold-start", ModeKind.ThroughWorker, "start of emulator + worker to the first 200 of POST /api/integrations/uploads/url, per run, median, min, max", "[--runs 5] [--modes OAuthHttps,SharedKey]", a => WorkerColdStart.RunAsync(new Args(a))),
    new("--http-overhead", ModeKind.ThroughWorker, "latency of one upload URL, sequential: in-process service call vs HTTP through emulator + worker (and the emulator's own 404, the worker's 401)", "[--count 5000] [--warmup-seconds 10] [--modes OAuthHttps,SharedKey]", a => HttpOverhead.RunAsync(new Args(a))),
    new("--url-http-throughput", ModeKind.ThroughWorker, "upload URLs/s over HTTP from C concurrent loops for a fixed time", "[--concurrency 1,4,16] [--seconds 10] [--warmup-seconds 3] [--jit-warmup-seconds 10] [--modes OAuthHttps,SharedKey]", a => UrlHttpThroughput.RunAsync(new Args(a))),
    new("--status-latency", ModeKind.ThroughWorker, "GET status per path state (verified, rejected, missing, pending): storage requests per call and sequential latency through emulator + worker, OAuthHttps", "[--count 2000] [--warmup-seconds 5] [--pending 200]", a => StatusLatency.RunAsync(new Args(a))),
    new("--url-wrk", ModeKind.ThroughWorker, "the URL endpoint under Debian's wrk (apt-get install wrk): requests/s, p50/p99/p99.9, errors, worker RSS", "[--connections 16] [--seconds 10] [--mode OAuthHttps|SharedKey]", a => UrlWrk.RunAsync(new Args(a))),
    new("--direct-load", ModeKind.ThroughWorker, "concurrent 10 MB direct uploads: MB/s, latency, worker peak RSS, vs. SDK straight to Azurite", "[--sizes 10000000,10485760] [--concurrency 20] [--rounds 5] [--worker-gc server|workstation] [--modes OAuthHttps,SharedKey]", a => DirectLoad.RunAsync(new Args(a))),
    new("--soak", ModeKind.ThroughWorker, "mixed traffic (URLs, presigned PUTs, direct uploads, status, bad inputs) for a fixed time: worker RSS, open fds and TCP sockets sampled, trend, errors, uploads lost", "[--seconds 600] [--concurrency 4] [--sample-seconds 5] [--gc-seconds 60 (0: never)] [--mode OAuthHttps|SharedKey]", a => Soak.RunAsync(new Args(a))),
    new("--consumer-cost", ModeKind.ThroughWorker, "read-url, list and delete (issue 21): storage requests per call and of one verification with its pin, sequential latency through emulator + worker, OAuthHttps", "[--uploads 1000] [--count 1000] [--deletes 200] [--warmup-seconds 5]", a => ConsumerCost.RunAsync(new Args(a))),
    new("--client-throughput", ModeKind.ThroughWorker, "one 1 GiB file (in /tmp): the uploads CLI vs. the guide's requests.put and Azure SDK upload_blob (Debian's python3), as ratios; then the CLI killed at 50 % and resumed: blocks, bytes, time", "[--size 1073741824] [--parallel 4] [--mode OAuthHttps|SharedKey]", a => ClientThroughput.RunAsync(new Args(a))),
]);

if (modes.Find(args) is { } mode)
{
    return await mode.Run(args).ConfigureAwait(false);
}

if (args is ["--help" or "-h", ..])
{
    Console.WriteLine(modes.Usage());
    Console.WriteLine();
    Console.WriteLine("BenchmarkDotNet benchmarks (SniffBenchmarks, UrlIssuanceBenchmarks):");
}

BenchmarkSwitcher.FromAssembly(typeof(SniffBenchmarks).Assembly).Run(args);
return 0;
