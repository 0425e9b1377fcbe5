using System.Net;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// The HTTP stack a test gives <c>Uploads.Client</c>: the real connection (trusting Azurite's test certificate),
/// counting the blocks staged (<c>PUT …comp=block</c>) and how many were in flight at once, and, when a test asks,
/// failing chosen requests the way a network does (a 503, a reset connection) before they reach the server.
/// </summary>
public sealed class ClientTraffic(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private int _attempts;
    private int _blocks;
    private int _urlRequests;
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Decides, per block request (1-based number), a fault to answer instead of sending it; null sends it.</summary>
    public Func<int, Fault?> BlockFault { get; set; } = _ => null;

    /// <summary>Runs before each block request is sent (a test delays or cancels here).</summary>
    public Func<int, CancellationToken, Task> BeforeBlock { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>Block requests that reached storage.</summary>
    public int BlocksStaged => Volatile.Read(ref _blocks);

    public int FaultsInjected { get; private set; }

    /// <summary>Calls to <c>POST /api/integrations/uploads/url</c> (new URLs and renewals).</summary>
    public int UrlRequests => Volatile.Read(ref _urlRequests);

    public int MaxBlocksInFlight => Volatile.Read(ref _maxInFlight);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/" + HttpRoutes.UploadUrlPath)
        {
            Interlocked.Increment(ref _urlRequests);
        }

        if (request.Method != HttpMethod.Put || !request.RequestUri!.Query.Split('?', '&').Contains("comp=block"))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var attempt = Interlocked.Increment(ref _attempts);
        await BeforeBlock(attempt, cancellationToken);
        switch (BlockFault(attempt))
        {
            case Fault.ServiceUnavailable:
                FaultsInjected++;
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request, Content = new StringContent(string.Empty) };
            case Fault.ConnectionReset:
                FaultsInjected++;
                throw new HttpRequestException("Connection reset by peer (injected)", new IOException("reset"));
        }

        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _blocks);
            }

            return response;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public enum Fault
    {
        ServiceUnavailable,
        ConnectionReset,
    }
}
