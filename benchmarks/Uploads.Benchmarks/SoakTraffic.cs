using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Uploads.Benchmarks.Support;

namespace Uploads.Benchmarks;

/// <summary>Requests of one kind: sent, and answered as expected.</summary>
internal sealed class SoakCounts
{
    public int Sent;
    public int Expected;
}

/// <summary>
/// The soak's load: loops that each pick the next request by weight (upload URLs 35 %, presigned PUTs to a URL just
/// issued with the status straight after 20 %, direct uploads of 100 KB to 1 MB and their status 25 %, bad inputs 20 %),
/// each with the answer it must get, and their bookkeeping: what was sent and answered as expected, latencies, errors,
/// and the uploads storage or the API accepted (to count those lost at the end).
/// </summary>
internal sealed class SoakTraffic(HttpClient api, HttpClient wrongKey, HttpClient storage)
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly UploadLedger _stored = new();
    private readonly ConcurrentQueue<(TimeSpan At, string Kind, double Ms)> _answered = new();
    private int _errors;
    private int _badInputs;

    public ConcurrentDictionary<string, SoakCounts> Counts { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Notes { get; } = new();

    public int Errors => Volatile.Read(ref _errors);

    public int BadInputs => Volatile.Read(ref _badInputs);

    public int Stored => _stored.Count;

    /// <summary>Requests answered in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public int RequestsIn(TimeSpan from, TimeSpan to) => _answered.Count(r => r.At >= from && r.At < to);

    /// <summary>Median latency of the <paramref name="kind"/> requests answered in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public double MedianMs(string kind, TimeSpan from, TimeSpan to)
    {
        var times = _answered.Where(r => r.Kind == kind && r.At >= from && r.At < to).Select(r => r.Ms).Order().ToList();
        return times.Count == 0 ? double.NaN : Latencies.Percentile(times, 0.50);
    }

    public async Task LoopAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var pick = random.Next(100);
            try
            {
                if (pick < 35)
                {
                    await UrlAsync(random, presign: false).ConfigureAwait(false);
                }
                else if (pick < 55)
                {
                    await UrlAsync(random, presign: true).ConfigureAwait(false);
                }
                else if (pick < 80)
                {
                    await DirectAsync(random).ConfigureAwait(false);
                }
                else
                {
                    Interlocked.Increment(ref _badInputs);
                    await BadInputAsync(random).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                Error($"request failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private async Task UrlAsync(Random random, bool presign)
    {
        var size = random.Next(10_000, 200_000);
        using var response = await SendAsync("url", HttpStatusCode.OK, () => api.PostAsJsonAsync(ApiRoutes.Url, new { filename = $"report {random.Next()}.pdf", contentType = "application/pdf", sizeBytes = size })).ConfigureAwait(false);
        if (!presign || response.StatusCode != HttpStatusCode.OK)
        {
            return;
        }

        var url = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        var blobPath = url.GetProperty("blobPath").GetString()!;
        var bytes = DirectLoad.PdfLike(size);
        using var put = new HttpRequestMessage(HttpMethod.Put, url.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(bytes) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var stored = await SendAsync("presigned PUT (storage)", HttpStatusCode.Created, () => storage.SendAsync(put)).ConfigureAwait(false);
        if (stored.StatusCode == HttpStatusCode.Created)
        {
            _stored.Acknowledged(blobPath, bytes.Length);
            await StatusAsync("status (presigned)", blobPath, HttpStatusCode.OK).ConfigureAwait(false);
        }
    }

    private async Task DirectAsync(Random random)
    {
        var bytes = DirectLoad.PdfLike(random.Next(100_000, 1_000_000));
        using var response = await SendAsync("direct upload", HttpStatusCode.Created, () => api.PostAsync(ApiRoutes.Direct, Form(bytes, "scan.pdf", "application/pdf"))).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            var blobPath = (await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("blobPath").GetString()!;
            _stored.Acknowledged(blobPath, bytes.Length);
            await StatusAsync("status (direct)", blobPath, HttpStatusCode.OK).ConfigureAwait(false);
        }
    }

    private async Task BadInputAsync(Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                using (await SendAsync("bad: wrong API key", HttpStatusCode.Unauthorized, () => wrongKey.PostAsync(ApiRoutes.Url, Json("""{"filename":"a.pdf","contentType":"application/pdf"}"""))).ConfigureAwait(false))
                {
                }

                break;
            case 1:
                using (await SendAsync("bad: malformed JSON", HttpStatusCode.BadRequest, () => api.PostAsync(ApiRoutes.Url, Json("""{"filename":"a.pdf","contentType":"""))).ConfigureAwait(false))
                {
                }

                break;
            case 2:
                using (await SendAsync("bad: path traversal name", HttpStatusCode.Forbidden, () => api.PostAsync(ApiRoutes.Url, Json("""{"filename":"../../etc/passwd.pdf","contentType":"application/pdf"}"""))).ConfigureAwait(false))
                {
                }

                break;
            case 3:
                using (await SendAsync("bad: PNG sent as PDF (direct)", HttpStatusCode.UnsupportedMediaType, () => api.PostAsync(ApiRoutes.Direct, Form(Png, "invoice.pdf", "application/pdf"))).ConfigureAwait(false))
                {
                }

                break;
            case 4:
                await StatusAsync("bad: status of a path never issued", $"{WorkerUnderTest.ClientId}/{Guid.NewGuid():N}/never.pdf", HttpStatusCode.NotFound).ConfigureAwait(false);
                break;
            default:
                using (await SendAsync("bad: direct body not multipart", HttpStatusCode.BadRequest, () => api.PostAsync(ApiRoutes.Direct, new ByteArrayContent(DirectLoad.PdfLike(1000)))).ConfigureAwait(false))
                {
                }

                break;
        }
    }

    private async Task StatusAsync(string kind, string blobPath, HttpStatusCode expected)
    {
        using var response = await SendAsync(kind, expected, () => api.GetAsync(ApiRoutes.Status(blobPath))).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(string kind, HttpStatusCode expected, Func<Task<HttpResponseMessage>> send)
    {
        var counts = Counts.GetOrAdd(kind, _ => new SoakCounts());
        Interlocked.Increment(ref counts.Sent);
        var started = Stopwatch.GetTimestamp();
        var response = await send().ConfigureAwait(false);
        _answered.Enqueue((_clock.Elapsed, kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        if (response.StatusCode == expected)
        {
            Interlocked.Increment(ref counts.Expected);
        }
        else
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            Error($"{kind}: {(int)response.StatusCode} where {(int)expected} was expected: {body[..Math.Min(body.Length, 300)]}");
        }

        return response;
    }

    /// <summary>Every upload storage or the API accepted must be in the uploads container, whole.</summary>
    public async Task<int> CountLostAsync(Azure.Storage.Blobs.BlobContainerClient uploads)
    {
        var count = await _stored.CountAsync(uploads).ConfigureAwait(false);
        foreach (var note in count.Notes)
        {
            Notes.Enqueue(note);
        }

        return count.Lost;
    }

    private void Error(string note)
    {
        Interlocked.Increment(ref _errors);
        if (Notes.Count < 50)
        {
            Notes.Enqueue(note);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static MultipartFormDataContent Form(byte[] bytes, string fileName, string contentType)
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { part, "file", fileName } };
    }
}
