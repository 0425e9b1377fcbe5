using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Uploads.Testing;

/// <summary>
/// A loopback TCP relay in front of a real service (Azurite) that injects the faults the service itself cannot show,
/// on demand: while <see cref="IsUp"/> is false nothing listens on <see cref="Port"/> (clients get "connection
/// refused", as from a storage endpoint that is down); once <see cref="Up"/>, every connection is relayed, bytes
/// untouched (TLS passes through), with optional <see cref="Latency"/> per chunk and a <see cref="BytesPerSecond"/>
/// cap, or a <see cref="Fault"/>: <see cref="RelayFault.Reset"/> resets every connection as soon as it carries data
/// (new ones too), <see cref="RelayFault.BlackHole"/> accepts and holds everything without forwarding a byte (a
/// stall). <see cref="ResetAfter"/> and <see cref="StallAfter"/> arm a reset or a stall in the middle of a transfer. Disposing it closes every connection.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Connection> _connections = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private int _nextId;
    private long _upstreamBytes;
    private long _downstreamBytes;
    private long _faultAfterBytes = long.MaxValue;
    private int _faultAfter;
    private int _fault;

    public TcpRelay(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        // Reserve a free port, then release it: the relay starts down.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }

    public bool IsUp => _listener is not null;

    /// <summary>Delay added before each chunk is forwarded, both ways.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Most bytes per second forwarded per direction and connection; 0 for no cap.</summary>
    public long BytesPerSecond { get; set; }

    public RelayFault Fault
    {
        get => (RelayFault)Volatile.Read(ref _fault);
        set
        {
            Volatile.Write(ref _fault, (int)value);
            if (value == RelayFault.Reset)
            {
                ResetAll();
            }
        }
    }

    /// <summary>Bytes forwarded to the service so far.</summary>
    public long UpstreamBytes => Interlocked.Read(ref _upstreamBytes);

    /// <summary>Bytes forwarded from the service so far.</summary>
    public long DownstreamBytes => Interlocked.Read(ref _downstreamBytes);

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _nextId);

    public void Up()
    {
        if (_listener is not null)
        {
            return;
        }

        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    /// <summary>Switches to <see cref="RelayFault.Reset"/> once <paramref name="upstreamBytes"/> more bytes have been forwarded to the service.</summary>
    public void ResetAfter(long upstreamBytes) => FaultAfter(RelayFault.Reset, upstreamBytes);

    /// <summary>Switches to <see cref="RelayFault.BlackHole"/> (a stall) once <paramref name="upstreamBytes"/> more bytes have been forwarded to the service.</summary>
    public void StallAfter(long upstreamBytes) => FaultAfter(RelayFault.BlackHole, upstreamBytes);

    private void FaultAfter(RelayFault fault, long upstreamBytes)
    {
        Volatile.Write(ref _faultAfter, (int)fault);
        Interlocked.Exchange(ref _faultAfterBytes, UpstreamBytes + upstreamBytes);
    }

    /// <summary>No fault, latency or cap: bytes flow again.</summary>
    public void Heal()
    {
        Interlocked.Exchange(ref _faultAfterBytes, long.MaxValue);
        Latency = TimeSpan.Zero;
        BytesPerSecond = 0;
        Fault = RelayFault.None;
    }

    /// <summary>Resets (TCP RST) every open connection.</summary>
    public void ResetAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Reset();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client, stop);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken stop)
    {
        var id = Interlocked.Increment(ref _nextId);
        using var upstream = new TcpClient();
        using var connection = new Connection(client, upstream);
        _connections[id] = connection;
        try
        {
            await upstream.ConnectAsync(_target, stop).ConfigureAwait(false);
            using var closed = CancellationTokenSource.CreateLinkedTokenSource(stop, connection.Closed);
            await Task.WhenAny(
                PumpAsync(client.GetStream(), upstream.GetStream(), connection, toService: true, closed.Token),
                PumpAsync(upstream.GetStream(), client.GetStream(), connection, toService: false, closed.Token)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A side closed or was reset: the other is closed below.
        }
        finally
        {
            _connections.TryRemove(id, out _);
            client.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Connection connection, bool toService, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, stop).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            while (Fault == RelayFault.BlackHole)
            {
                await Task.Delay(50, stop).ConfigureAwait(false);
            }

            if (Fault == RelayFault.Reset)
            {
                connection.Reset();
                return;
            }

            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, stop).ConfigureAwait(false);
            }

            if (BytesPerSecond > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)read / BytesPerSecond), stop).ConfigureAwait(false);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stop).ConfigureAwait(false);
            if (toService)
            {
                if (Interlocked.Add(ref _upstreamBytes, read) >= Interlocked.Read(ref _faultAfterBytes))
                {
                    Interlocked.Exchange(ref _faultAfterBytes, long.MaxValue);
                    Fault = (RelayFault)Volatile.Read(ref _faultAfter);
                }
            }
            else
            {
                Interlocked.Add(ref _downstreamBytes, read);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        ResetAll();
        _stop.Dispose();
    }

    private sealed class Connection(TcpClient client, TcpClient upstream) : IDisposable
    {
        private readonly CancellationTokenSource _closed = new();

        public CancellationToken Closed => _closed.Token;

        /// <summary>Closes both sides with a TCP RST (linger 0), as a reset connection looks to the client.</summary>
        public void Reset()
        {
            foreach (var side in new[] { client, upstream })
            {
                try
                {
                    if (side.Client is { } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close();
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // Already closed.
                }
            }

            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection is over.
            }
        }

        public void Dispose() => _closed.Dispose();
    }
}

/// <summary>What <see cref="TcpRelay"/> does to the bytes it relays.</summary>
public enum RelayFault
{
    /// <summary>Forward them.</summary>
    None,

    /// <summary>Reset every connection that carries data, open or new.</summary>
    Reset,

    /// <summary>Accept and hold, forwarding nothing (a stall).</summary>
    BlackHole,
}
